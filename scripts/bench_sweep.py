#!/usr/bin/env python3
"""Sweep benchmark: a grid built by `pipe sweep` against its points built one by one, in one run.

Builds the same grid three ways, each from an empty store, and times it:
  - `pipe sweep TARGET --grid ...` (the union of the points' stages, shared prefixes once);
  - every point as its own `pipe build TARGET --set ...` into one store (what a user typing one
    build per point gets: shared stages are found stored from the second point on);
  - every point into a store of its own (no sharing at all: the sum of the points' costs).
Prints the stages each way ran, the wall times and their ratios.
Usage: scripts/bench_sweep.py [--pipe .build/release/pipe] TARGET --grid K=V1,V2 ... [--set K=V ...]
Example (small scale, a few minutes):
  scripts/bench_sweep.py figure-baseline --grid distill.epochs=1,2,4 --grid lr=3e-4,1e-3 \\
      --set models=2 --set mnist.train-samples=2000 --set distill.samples=2000
"""
import argparse, itertools, os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, env):
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=env["PWD"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {result.stderr[-2000:]}")
    ran = sum(int(m) for m in re.findall(r"(\d+) ran", result.stderr)[-1:])
    return seconds, ran


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pipe", default=os.path.join(ROOT, ".build", "release", "pipe"))
    parser.add_argument("target")
    parser.add_argument("--grid", action="append", required=True)
    parser.add_argument("--set", action="append", default=[])
    args = parser.parse_args()
    axes = [(spec.split("=", 1)[0], spec.split("=", 1)[1].split(",")) for spec in args.grid]
    points = list(itertools.product(*[values for _, values in axes]))
    base = sum([["--set", s] for s in args.set], [])
    work = tempfile.mkdtemp(prefix="pipe-bench-sweep-")
    env = dict(os.environ, PWD=work)
    shared = os.path.join(ROOT, "..", "shared", "data", "mnist")
    if "PIPE_MNIST_DIR" not in env and os.path.isdir(shared):
        env["PIPE_MNIST_DIR"] = os.path.abspath(shared)  # as scripts/pipe does
    env.pop("TERM", None)
    try:
        version = subprocess.run([args.pipe, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"{os.cpu_count()} CPUs; {version}; {args.target}: {len(points)} points of "
              + " x ".join(f"{key} ({len(values)})" for key, values in axes))
        grid = sum([["--grid", g] for g in args.grid], [])
        sweep_s, sweep_ran = run([args.pipe, "sweep", args.target, *grid, *base, "--store", "sweep",
                                  "--table", os.path.join(work, "table.csv")], env)
        one_s, one_ran = 0.0, 0
        own_s, own_ran = 0.0, 0
        for i, values in enumerate(points):
            sets = sum([["--set", f"{key}={value}"] for (key, _), value in zip(axes, values)], [])
            seconds, ran = run([args.pipe, "build", args.target, *base, *sets, "--store", "one"], env)
            one_s, one_ran = one_s + seconds, one_ran + ran
            seconds, ran = run([args.pipe, "build", args.target, *base, *sets, "--store", f"own{i}"], env)
            own_s, own_ran = own_s + seconds, own_ran + ran
        print(f"  pipe sweep (one build of the union)        {sweep_ran:5d} stages ran  {sweep_s:8.1f} s")
        print(f"  one build per point, one store             {one_ran:5d} stages ran  {one_s:8.1f} s  "
              f"({one_s / sweep_s:.2f}x the sweep)")
        print(f"  one build per point, a store each          {own_ran:5d} stages ran  {own_s:8.1f} s  "
              f"({own_s / sweep_s:.2f}x the sweep)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
