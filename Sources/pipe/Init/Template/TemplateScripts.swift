/// The new project's programs: the command stage's script and the runner, scripts/pipe.
enum TemplateScripts {
    static let fit = #"""
        """Fits a line to the points of make-points by least squares: `fit.py POINTS.csv OUT.json`.

        A command stage's program: it reads its inputs and writes its outputs at the paths pipe
        gives, in a scratch directory. Lines "pipe-progress: 3/10 steps" on stdout show as progress.
        """
        import csv
        import json
        import sys

        points_path, out_path = sys.argv[1], sys.argv[2]
        with open(points_path, newline="") as f:
            rows = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(f)]
        n = len(rows)
        mean_x = sum(x for x, _ in rows) / n
        mean_y = sum(y for _, y in rows) / n
        sxx = sum((x - mean_x) ** 2 for x, _ in rows)
        sxy = sum((x - mean_x) * (y - mean_y) for x, y in rows)
        slope = sxy / sxx
        fit = {"points": n, "slope": slope, "intercept": mean_y - slope * mean_x}
        with open(out_path, "w") as f:
            json.dump(fit, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"slope {fit['slope']:.4f}, intercept {fit['intercept']:.4f} from {n} points")

        """#

    /// scripts/pipe, watching `dependency` (a path dependency's sources) besides the project's own.
    static func runner(watching dependency: [String]) -> String {
        let extra = dependency.map { " " + shellWord($0) }.joined()
        return #"""
        #!/usr/bin/env bash
        # Runs this project's pipe with your arguments (`scripts/pipe build fit`, `scripts/pipe --help`).
        # It builds first only when a source is newer than the last build, as ninja compares mtimes,
        # so a run with nothing changed costs a few milliseconds, not SwiftPM's half second. Its own
        # messages and the build's go to standard error; standard output is pipe's alone.
        set -euo pipefail
        root="$(cd "$(dirname "$0")/.." && pwd)"
        product=Experiments                           # the executable target that is this project's pipe
        configuration="${PIPE_CONFIGURATION:-release}"  # debug compiles faster, release runs faster
        needed=(libsqlite3-dev libzstd-dev)           # add libopenblas-dev and zlib1g-dev if you use pipe's Stages
        # What the binary is built from: this package, and pipe's sources when it is a path dependency.
        watched=("$root/Package.swift" "$root/Package.resolved" "$root/Sources"\#(extra))
        bin="$root/.build/$configuration/$product"
        # Not inside .build/$configuration: SwiftPM replaces that directory by a symlink on its first build.
        stamp="$root/.build/runner/$product-$configuration.built"

        stale() {
          [ -x "$bin" ] && [ -f "$stamp" ] || return 0
          [ -n "$(find "${watched[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]
        }

        install_missing() {
          command -v dpkg-query >/dev/null || return 0
          local missing=() package
          for package in "${needed[@]}"; do
            dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
          done
          [ ${#missing[@]} -eq 0 ] && return 0
          echo "scripts/pipe: installing ${missing[*]}" >&2
          local sudo=""
          [ "$(id -u)" -eq 0 ] || sudo=sudo
          $sudo apt-get update -qq >&2
          DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
        }

        if stale; then
          install_missing
          swift_bin="$(command -v swift)" || { echo "scripts/pipe: no 'swift' on PATH; install Swift 6.2 or later (swift.org/install)" >&2; exit 127; }
          mkdir -p "$(dirname "$stamp")"
          # Stamped before the build starts, so a file saved during the build is newer than the stamp.
          touch "$stamp.next"
          # A fixed environment: SwiftPM rebuilds everything when any variable differs from the
          # last build's (an exported PIPE_STORE, a virtualenv's PATH), which costs minutes.
          env -i HOME="$HOME" PATH="$(dirname "$swift_bin"):/usr/local/bin:/usr/bin:/bin" \
            "$swift_bin" build -c "$configuration" --product "$product" --package-path "$root" >&2
          mv "$stamp.next" "$stamp"
        fi
        exec "$bin" "$@"

        """#
    }

    /// `text` as one word of a shell command: as it is when it is plain, else single-quoted.
    static func shellWord(_ text: String) -> String {
        text.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) ? text
            : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
