#!/usr/bin/env python3
"""Command-stage benchmark (issue 12): what a command stage costs over running the command by
hand, and a no-op build of many command stages against `dvc repro`, on this machine, in one run.

Prints figures against the issue's targets; it asserts nothing.

(a) Overhead of a command stage. For each width W: a cold build of ToyPipe's `cmd-wide` target
    (W command stages `sh -c 'echo i > out.txt'` and a join `sh -c 'cat part*.txt > all.txt'`),
    `--set cmd.width=W -j 1`, each run in a fresh store, process start to exit, divided by W+1;
    minus the same command run by hand, timed as ONE shell process so that Python's own spawn
    cost is not counted against pipe:
        sh -c 'for i in $(seq W); do sh -c "echo $i > out.txt"; done'   (divided by W)
    Target: under 20 ms per stage. Also printed: the same with pipe's no-op time (process start,
    planning, result copy) taken off first, and the marginal cost per stage (the slope of the
    cold build time between the smallest and the largest width).
    Materialization: the `cmd` target's stage cmd.count (`wc -w < in/upper.txt ...`) with a
    --input-mb (100) MB input from the upstream command stage cmd.upper, rerun with
    `--force cmd.count` (cmd.upper stays cached), against the same with a tiny input; the
    difference of the two, minus the same difference by hand, is what placing the large input
    costs. This needs no Swift change: cmd.upper runs `python3 scripts/upper.py` from the working
    directory, which this script writes (it writes base64 text of random bytes: barely
    compressible, and ASCII so that `wc -w` is quick next to the copy being measured).
(b) No-op builds (everything cached) of `cmd-wide` with each width, and `ToyPipe status` of it,
    against `dvc repro` of an equivalent DVC pipeline (W stages `echo i > partNNNN.txt` and the
    join, written as dvc.yaml) on the same machine. Target: pipe at least 20x faster.
    DVC's cold `dvc repro` (one run) is printed too, for scale. Without `dvc` on PATH
    (pip install dvc) the DVC columns are left out.

Each figure is the median and (in parentheses) the best of the runs. The machine is printed
(uname -m, nproc, CPU model, load average before and after): on shared cores the best of N is
the steadier figure.

Needs the release ToyPipe:  scripts/swiftpm build -c release --product ToyPipe   (in the package root)
Usage:
  scripts/bench_command_stages.py [--runs 15] [--cold-runs 5] [--width 20 50 200]
                                  [--input-mb 100] [--tmp DIR] [--no-dvc]
Every temporary directory (stores, projects, DVC repos) is removed on exit, also on failure or
Ctrl-C.
"""
import argparse, glob, os, platform, shutil, stat, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOYPIPE = os.path.join(ROOT, ".build", "release", "ToyPipe")
BUILD_COMMAND = "scripts/swiftpm build -c release --product ToyPipe"
TEMP_PREFIX = "pipe-bench-cmd-"


# ---------------------------------------------------------------- helpers

class Failed(Exception):
    pass


def remove_tree(path):
    """rmtree that also removes read-only files and directories (store blobs, placed inputs)."""
    def retry(function, name, _):
        try:
            os.chmod(os.path.dirname(name), 0o755)
            os.chmod(name, 0o755)
        except OSError:
            pass
        function(name)
    if os.path.lexists(path):
        shutil.rmtree(path, onerror=retry)


class Scratch:
    """Every temporary directory this run makes, all removed by cleanup()."""
    def __init__(self, base):
        self.base, self.made = base, []

    def new(self, what):
        path = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{what}-", dir=self.base)
        self.made.append(path)
        return path

    def drop(self, path):
        remove_tree(path)
        if path in self.made:
            self.made.remove(path)

    def cleanup(self):
        for path in list(self.made):
            self.drop(path)


def run(cmd, cwd, env=None):
    """Runs cmd to its end; raises Failed with its stderr unless it exits 0. Returns seconds."""
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        shown = " ".join(cmd) if isinstance(cmd, list) else cmd
        raise Failed(f"`{shown}` (in {cwd}) exited {result.returncode}:\n{result.stderr.decode(errors='replace')[-3000:]}")
    return elapsed


def timed(cmd, cwd, env=None, runs=15, before=None):
    """(median, best) seconds of `runs` runs of cmd; `before()` runs untimed before each."""
    times = []
    for _ in range(runs):
        if before:
            before()
        times.append(run(cmd, cwd, env))
    return statistics.median(times), min(times)


def ms(seconds):
    return f"{seconds * 1000:.1f}"


def pair(figure, scale=1.0, width=0):
    """'median (best)' in ms, figure a (median, best) pair divided by scale."""
    text = f"{figure[0] / scale * 1000:.1f} ({figure[1] / scale * 1000:.1f})"
    return text.rjust(width)


def pipe_env(store):
    return dict(os.environ, PIPE_STORE=store)


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.strip()
    except OSError:
        pass
    return "model name\t: ? (no /proc/cpuinfo)"


def newest_source():
    paths = glob.glob(os.path.join(ROOT, "Sources", "**", "*.swift"), recursive=True)
    paths.append(os.path.join(ROOT, "Tests", "ToyPipe", "main.swift"))
    return max((os.path.getmtime(p), p) for p in paths if os.path.exists(p))


def print_machine(args):
    print("machine")
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(len(os.sched_getaffinity(0)))
    print(f"  uname -m: {platform.machine()}   nproc: {nproc}")
    print(f"  {cpu_model()}")
    print(f"  load average (1, 5, 15 min): {loadavg()}")
    print(f"  temporary directories under: {args.tmp or tempfile.gettempdir()}"
          f" ({filesystem(args.tmp or tempfile.gettempdir())})")
    built = os.path.getmtime(TOYPIPE)
    print(f"  ToyPipe: {os.path.relpath(TOYPIPE, ROOT)}, built {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(built))}")
    newest, path = newest_source()
    if newest > built:
        print(f"    note: {os.path.relpath(path, ROOT)} is newer than the binary; rebuild for current figures: {BUILD_COMMAND}")
    sh = os.path.realpath(shutil.which("sh") or "sh")
    print(f"  sh is {sh}; python {platform.python_version()}")


def filesystem(path):
    try:
        out = subprocess.run(["df", "-PT", path], capture_output=True, text=True).stdout.splitlines()
        return out[1].split()[1] if len(out) > 1 else "?"
    except OSError:
        return "?"


# ---------------------------------------------------------------- (a) cold builds, overhead

def by_hand_loop(width, scratch, runs):
    """The same `sh -c 'echo i > out.txt'` W times, timed as one shell process."""
    work = scratch.new("hand")
    try:
        loop = f'for i in $(seq {width}); do sh -c "echo $i > out.txt"; done'
        return timed(["sh", "-c", loop], work, None, runs)
    finally:
        scratch.drop(work)


def cold_and_noop(width, scratch, cold_runs, runs):
    """Cold builds of cmd-wide (each in a fresh store), then no-op build and status timings in
    the last store. Returns (cold, noop_build, status), each (median, best)."""
    cmd = [TOYPIPE, "build", "cmd-wide", "--set", f"cmd.width={width}", "-j", "1"]
    colds, work = [], None
    for _ in range(cold_runs):
        if work:
            scratch.drop(work)
        work = scratch.new(f"cold{width}")
        colds.append(run(cmd, work, pipe_env(os.path.join(work, "store"))))
    try:
        env = pipe_env(os.path.join(work, "store"))
        noop = timed(cmd, work, env, runs)
        status = timed([TOYPIPE, "status", "cmd-wide", "--set", f"cmd.width={width}"], work, env, runs)
    finally:
        scratch.drop(work)
    return (statistics.median(colds), min(colds)), noop, status


# ---------------------------------------------------------------- (a) materialization

UPPER_PY = '''\
# Written by scripts/bench_command_stages.py: the upstream stage cmd.upper of ToyPipe's `cmd`
# target, made to write an upper.txt of data/mb.txt MB (base64 lines of random bytes).
import base64, os
size = int(float(open("data/mb.txt").read()) * (1 << 20))
with open("upper.txt", "wb") as out:
    written = 0
    while written < size:
        chunk = base64.encodebytes(os.urandom(3 << 18))[: size - written]
        out.write(chunk)
        written += len(chunk)
open("env.txt", "w").write("bench\\n")
os.makedirs("report", exist_ok=True)
open("report/r.txt", "w").write("bench\\n")
'''
COUNT_SCRIPT = "wc -w < in/upper.txt | tr -d ' ' > count.txt; ls in/report > files.txt"


def materialization(megabytes, scratch, runs):
    """(forced cmd.count build, same by hand, input size in bytes) for an input of `megabytes`."""
    project = scratch.new(f"mat{megabytes}")
    try:
        os.makedirs(os.path.join(project, "scripts"))
        os.makedirs(os.path.join(project, "data"))
        with open(os.path.join(project, "scripts", "upper.py"), "w") as f:
            f.write(UPPER_PY)
        with open(os.path.join(project, "data", "mb.txt"), "w") as f:
            f.write(f"{megabytes}\n")
        env = pipe_env(os.path.join(project, "store"))
        run([TOYPIPE, "build", "cmd", "-j", "1"], project, env)  # cmd.alpha, cmd.upper, cmd.count
        forced = timed([TOYPIPE, "build", "cmd", "--force", "cmd.count", "-j", "1"], project, env, runs)
        # By hand: the same script in a directory holding the same files.
        hand = os.path.join(project, "hand")
        os.makedirs(os.path.join(hand, "in", "report"))
        make = subprocess.run(["python3", "-c", UPPER_PY], cwd=project, capture_output=True)
        if make.returncode != 0:
            raise Failed(f"writing the by-hand input failed: {make.stderr.decode()}")
        shutil.move(os.path.join(project, "upper.txt"), os.path.join(hand, "in", "upper.txt"))
        shutil.move(os.path.join(project, "report", "r.txt"), os.path.join(hand, "in", "report", "r.txt"))
        size = os.path.getsize(os.path.join(hand, "in", "upper.txt"))
        by_hand = timed(["sh", "-c", COUNT_SCRIPT], hand, None, runs)
        copied = os.path.join(hand, "copy.txt")
        copy = timed(["cp", os.path.join(hand, "in", "upper.txt"), copied], hand, None, runs,
                     before=lambda: os.path.exists(copied) and os.remove(copied))
        return forced, by_hand, copy, size
    finally:
        scratch.drop(project)


# ---------------------------------------------------------------- (b) DVC

def dvc_pipeline(width, scratch, runs):
    """(cold repro seconds, no-op (median, best)) of the equivalent DVC pipeline."""
    work = scratch.new(f"dvc{width}")
    try:
        env = dict(os.environ, DVC_NO_ANALYTICS="1")
        run(["git", "init", "-q"], work, env)
        run(["dvc", "init", "-q"], work, env)
        for key in ("core.analytics", "core.check_update"):
            subprocess.run(["dvc", "config", key, "false"], cwd=work, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parts = [f"part{i:04d}.txt" for i in range(width)]
        lines = ["stages:"]
        for i, part in enumerate(parts):
            lines += [f"  s{i}:", f"    cmd: echo {i} > {part}", "    outs:", f"      - {part}"]
        lines += ["  all:", "    cmd: cat part*.txt > all.txt", "    deps:"]
        lines += [f"      - {part}" for part in parts]
        lines += ["    outs:", "      - all.txt"]
        with open(os.path.join(work, "dvc.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
        cold = run(["dvc", "repro", "-q"], work, env)
        noop = timed(["dvc", "repro", "-q"], work, env, runs)
        return cold, noop
    finally:
        scratch.drop(work)


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each no-op figure (default 15)")
    parser.add_argument("--cold-runs", type=int, default=None,
                        help="cold builds per width and forced reruns for materialization (default: max(3, runs/3))")
    parser.add_argument("--width", type=int, nargs="+", default=[20, 50, 200],
                        help="command stages in cmd-wide, for (a) and (b) (default: 20 50 200)")
    parser.add_argument("--input-mb", type=float, default=100, help="size of the large input for materialization (0: skip)")
    parser.add_argument("--tmp", default=None, help="where temporary stores and projects go (default: the system's)")
    parser.add_argument("--no-dvc", action="store_true", help="leave DVC out")
    args = parser.parse_args()
    if args.runs < 1 or any(w < 1 for w in args.width):
        parser.error("--runs and every --width must be at least 1")
    cold_runs = args.cold_runs or max(3, args.runs // 3)
    dvc_runs = max(3, args.runs // 3)
    widths = sorted(set(args.width))

    if not os.access(TOYPIPE, os.X_OK):
        sys.exit(f"error: the release ToyPipe is missing ({TOYPIPE}).\n"
                 f"Build it first, in {ROOT}:\n    {BUILD_COMMAND}")
    dvc = None if args.no_dvc else shutil.which("dvc")
    scratch = Scratch(args.tmp)
    try:
        print_machine(args)
        if dvc:
            version = subprocess.run(["dvc", "--version"], capture_output=True, text=True).stdout.strip()
            print(f"  dvc {version} ({dvc})")
        else:
            print("  dvc: " + ("left out (--no-dvc)" if args.no_dvc else "not installed (pip install dvc): DVC columns left out"))
        print()

        # (a) cold builds and the by-hand loop; the no-op figures come from the same stores.
        print(f"(a) command stage overhead: cold `ToyPipe build cmd-wide --set cmd.width=W -j 1`, fresh store each,")
        print(f"    {cold_runs} runs; by hand: sh -c 'for i in $(seq W); do sh -c \"echo $i > out.txt\"; done', {args.runs} runs.")
        print(f"    ms, median (best). Target: overhead under 20 ms per stage.")
        header = (f"    {'W':>4} {'stages':>6}  {'cold build':>17}  {'per stage':>13}  {'by hand /cmd':>12}"
                  f"  {'overhead /stage':>15}  {'minus no-op /stage':>18}")
        print(header)
        results = {}
        for width in widths:
            cold, noop, status = cold_and_noop(width, scratch, cold_runs, args.runs)
            hand = by_hand_loop(width, scratch, args.runs)
            results[width] = (cold, noop, status, hand)
            stages = width + 1
            per = (cold[0] / stages, cold[1] / stages)
            per_hand = (hand[0] / width, hand[1] / width)
            over = (per[0] - per_hand[0], per[1] - per_hand[1])
            net = ((cold[0] - noop[0]) / stages - per_hand[0], (cold[1] - noop[1]) / stages - per_hand[1])
            flag = "  ABOVE 20 ms" if over[1] > 0.020 else ""
            print(f"    {width:4d} {stages:6d}  {pair(cold, width=17)}  {pair(per, width=13)}  {pair(per_hand, width=12)}"
                  f"  {pair(over, width=15)}  {pair(net, width=18)}{flag}")
        if len(widths) > 1:
            lo, hi = widths[0], widths[-1]
            slope = [(results[hi][0][k] - results[lo][0][k]) / (hi - lo) for k in (0, 1)]
            hand_hi = results[hi][3]
            print(f"    marginal cost of one more command stage (cold build slope, W={lo}..{hi}): "
                  f"{ms(slope[0])} ms ({ms(slope[1])}); minus by hand: "
                  f"{ms(slope[0] - hand_hi[0] / hi)} ms ({ms(slope[1] - hand_hi[1] / hi)})")
        print(f"    load average now: {loadavg()}")
        print()

        if args.input_mb > 0:
            print(f"(a') input materialization: `ToyPipe build cmd --force cmd.count -j 1` (cmd.upper cached), "
                  f"{cold_runs} runs;")
            print(f"     cmd.count is sh -c \"{COUNT_SCRIPT}\", its input in/upper.txt the output of cmd.upper.")
            big = materialization(args.input_mb, scratch, cold_runs)
            small = materialization(0.001, scratch, cold_runs)
            for label, (forced, hand, copy, size) in (("large", big), ("tiny", small)):
                print(f"     {label:5} input ({size / 1e6:9.3f} MB): pipe {pair(forced)} ms   same script by hand "
                      f"{pair(hand)} ms   cp of the input {pair(copy)} ms")
            cost = [(big[0][k] - small[0][k]) - (big[1][k] - small[1][k]) for k in (0, 1)]
            rate = [big[3] / 1e6 / c if c > 0 else float("inf") for c in cost]
            print(f"     materializing {big[3] / 1e6:.0f} MB (pipe's large-minus-tiny, less the same by hand): "
                  f"{ms(cost[0])} ms ({ms(cost[1])}), {rate[0]:.0f} MB/s ({rate[1]:.0f}); a plain cp: {pair(big[2])} ms")
            over = [big[0][k] - big[1][k] for k in (0, 1)]
            print(f"     whole overhead of the stage with the large input over the script by hand: "
                  f"{ms(over[0])} ms ({ms(over[1])})")
            print(f"     load average now: {loadavg()}")
            print()

        print(f"(b) no-op, everything cached: `ToyPipe build cmd-wide --set cmd.width=W` and `ToyPipe status ...`, "
              f"{args.runs} runs;")
        if dvc:
            print(f"    `dvc repro -q` of the same W stages + join (dvc.yaml), {dvc_runs} runs. ms, median (best). "
                  f"Target: dvc/pipe at least 20x.")
        print(f"    {'W':>4} {'stages':>6}  {'pipe build':>15}  {'pipe status':>15}"
              + (f"  {'dvc repro':>17}  {'dvc/pipe':>15}  {'dvc cold repro':>14}" if dvc else ""))
        for width in widths:
            cold, noop, status, _ = results[width]
            line = f"    {width:4d} {width + 1:6d}  {pair(noop, width=15)}  {pair(status, width=15)}"
            if dvc:
                dvc_cold, dvc_noop = dvc_pipeline(width, scratch, dvc_runs)
                ratio = f"{dvc_noop[0] / noop[0]:.1f}x ({dvc_noop[1] / noop[1]:.1f}x)"
                flag = "  BELOW 20x" if dvc_noop[1] / noop[1] < 20 else ""
                line += f"  {pair(dvc_noop, width=17)}  {ratio:>15}  {dvc_cold:12.2f} s{flag}"
            print(line)
        print(f"    (for scale, pipe's cold build above: " + ", ".join(
            f"W={w} {ms(results[w][0][0])} ms" for w in widths) + ")")
        print(f"    load average now: {loadavg()}")
    except Failed as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit("interrupted")
    finally:
        scratch.cleanup()


if __name__ == "__main__":
    main()
