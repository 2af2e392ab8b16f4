#!/usr/bin/env python3
"""Edit-to-rerun benchmark: what a one-line change costs before pipe answers, in one run.

Times, from the moment a file is saved to the end of a no-op `pipe status` (pipe's answer):
  - this repository: the runner with nothing changed (`scripts/pipe --version`) against the binary
    itself and against SwiftPM's own no-op (`scripts/swiftpm build`, what the runner used to do
    every time); a one-line edit of pipeline.swift; the same run with an unrelated variable set
    (SwiftPM rebuilt everything on any changed variable before the runner fixed its environment);
  - with --project: a new project from `pipe init` (depending on this checkout by path): its first
    build from nothing, then edits of its pipeline.swift, of its Swift stage kind and of its
    command stage's script.
Every edit appends a comment line and is undone afterwards (the undo's rebuild is not timed).
Prints the median and the best of N runs for each, and the CPU pipe pins.
Usage: scripts/bench_edit_loop.py [--runs 5] [--project] [--configuration release]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, cwd, env=None, check=True):
    result = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.decode()[-3000:]}")
    return result


def timed(cmd, cwd, env=None, runs=5, before=None, after=None):
    """Median and best wall time of `cmd`; `before` runs untimed ahead of each (the edit)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        run(cmd, cwd, env)
        times.append(time.perf_counter() - start)
        if after:
            after()
    return statistics.median(times), min(times)


class Edit:
    """Appends a comment line to a file (a one-line edit, saved now); `undo` restores it."""

    def __init__(self, path, comment):
        self.path, self.comment = path, comment
        with open(path) as f:
            self.original = f.read()
        self.count = 0

    def apply(self):
        self.count += 1
        with open(self.path, "w") as f:
            f.write(self.original + f"{self.comment} edit {self.count}\n")

    def undo(self):
        with open(self.path, "w") as f:
            f.write(self.original)


def show(label, result):
    median, best = result
    print(f"  {label:<58} {median * 1000:9.0f} ms  (best {best * 1000:.0f})")
    return median


def repository(args, env):
    runner = os.path.join(ROOT, "scripts", "pipe")
    binary = os.path.join(ROOT, ".build", args.configuration, "pipe")
    run([runner, "--version"], ROOT, env)  # builds if needed
    print(f"this repository ({args.configuration} build):")
    binary_time = show("pipe --version (the binary)", timed([binary, "--version"], ROOT, env, args.runs * 3))
    runner_time = show("scripts/pipe --version, nothing changed", timed([runner, "--version"], ROOT, env, args.runs * 3))
    swiftpm = [os.path.join(ROOT, "scripts", "swiftpm"), "build", "-c", args.configuration, "--product", "pipe"]
    swiftpm_time = show("scripts/swiftpm build (SwiftPM's no-op) + the binary",
                        timed(["sh", "-c", " ".join(swiftpm) + " >/dev/null && " + binary + " --version"], ROOT, env,
                              args.runs))
    status = [runner, "status", "figure-exp2"]
    show("scripts/pipe status figure-exp2, nothing changed", timed(status, ROOT, env, args.runs))
    edit = Edit(os.path.join(ROOT, "pipeline.swift"), "//")
    edited = show("save a one-line edit of pipeline.swift -> status answers",
                  timed(status, ROOT, env, args.runs, before=edit.apply))
    edit.undo()
    run(status, ROOT, env)
    unrelated = dict(env, FOO_UNRELATED="1", PIPE_STORE=os.path.join(ROOT, "artifacts"))
    show("the same with FOO_UNRELATED=1 PIPE_STORE=... set",
         timed(status, ROOT, unrelated, args.runs, before=edit.apply))
    edit.undo()
    run(status, ROOT, env)
    print(f"  ratios: runner no-op / binary {runner_time / binary_time:.2f}x, "
          f"SwiftPM no-op / runner no-op {swiftpm_time / runner_time:.0f}x; "
          f"edit -> status {edited:.1f} s")


def project(args, env):
    work = tempfile.mkdtemp(prefix="pipe-project-")
    try:
        directory = os.path.join(work, "study")
        run([os.path.join(ROOT, "scripts", "pipe"), "init", directory, "--pipe-path", ROOT], ROOT, env)
        runner = os.path.join(directory, "scripts", "pipe")
        penv = dict(env, PIPE_CONFIGURATION=args.configuration)
        print(f"a new project from `pipe init` ({args.configuration} build, pipe by path):")
        start = time.perf_counter()
        run([runner, "build", "fit"], directory, penv)
        print(f"  {'first scripts/pipe build fit (compiles pipe and its dependencies)':<58} "
              f"{(time.perf_counter() - start):9.1f} s")
        show("scripts/pipe --version, nothing changed", timed([runner, "--version"], directory, penv, args.runs * 3))
        status = [runner, "status", "fit"]
        for label, path, comment in [
            ("save an edit of pipeline.swift -> status answers", "Sources/Experiments/pipeline.swift", "//"),
            ("save an edit of the Swift stage kind -> status answers", "Sources/StageKinds/MakePoints.swift", "//"),
            ("save an edit of scripts/fit.py -> status answers", "scripts/fit.py", "#"),
        ]:
            edit = Edit(os.path.join(directory, path), comment)
            show(label, timed(status, directory, penv, args.runs, before=edit.apply))
            edit.undo()
            run(status, directory, penv)
        build = [runner, "build", "fit"]
        edit = Edit(os.path.join(directory, "Sources/StageKinds/MakePoints.swift"), "//")
        show("save an edit of the Swift stage kind -> build fit done",
             timed(build, directory, penv, args.runs, before=edit.apply))
        edit.undo()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--project", action="store_true", help="also time a new project from pipe init")
    parser.add_argument("--configuration", default="release", choices=["release", "debug"])
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("TERM", None)
    cpu = run([os.path.join(ROOT, "scripts", "pipe"), "--version"], ROOT, env)  # builds pipe if needed
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"{os.cpu_count()} CPUs: {model}; {cpu.stdout.decode().strip()}")
    repository(args, env)
    if args.project:
        project(args, env)


if __name__ == "__main__":
    main()
