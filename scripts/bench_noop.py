#!/usr/bin/env python3
"""No-op build benchmark: pipe vs DVC on the same machine, in one run.

Times, process start to exit, a build in which everything is already cached:
  - ToyPipe (pipe's command line on toy stages) with 20 and 200 stages,
  - `dvc repro` of pipelines with 20 and 200 equivalent stages (if `dvc` is installed:
    pip install dvc),
  - the shipped pipeline: `pipe build <targets>` and `pipe status` against a store where they
    are built (PIPE_STORE or ./artifacts), when --shipped is given.
Prints the median and the best of N interleaved rounds for each, and the ratios.
Usage: scripts/bench_noop.py [--runs 15] [--shipped figure-exp2 ...]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, ".build", "release")


def timed(cmd, cwd, env=None, runs=15):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {result.stderr.decode()}")
    return statistics.median(times), min(times)


def dvc(width, runs):
    if shutil.which("dvc") is None:
        return None
    work = tempfile.mkdtemp(prefix="dvc-noop-")
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(["dvc", "init", "-q"], cwd=work, check=True)
    for i in range(width):
        subprocess.run(["dvc", "stage", "add", "-q", "-n", f"s{i}", "-o", f"out{i}",
                        f"echo {i} > out{i}"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    deps = sum([["-d", f"out{i}"] for i in range(width)], [])
    subprocess.run(["dvc", "stage", "add", "-q", "-n", "all", *deps, "-o", "all.txt",
                    "cat " + " ".join(f"out{i}" for i in range(width)) + " > all.txt"],
                   cwd=work, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["dvc", "repro", "-q"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    result = timed(["dvc", "repro", "-q"], work, None, runs)
    shutil.rmtree(work)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--shipped", nargs="*", default=None,
                        help="targets of the shipped pipeline, already built in PIPE_STORE / ./artifacts")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="settings the shipped targets were built with (repeatable)")
    parser.add_argument("--release-dir", default=None,
                        help="use the pipe and ToyPipe already built there (e.g. .build-x/release); no build")
    args = parser.parse_args()
    global RELEASE
    if args.release_dir:
        RELEASE = os.path.abspath(args.release_dir)
    else:
        build_release()
    run(args)


def build_release():
    subprocess.run([os.path.join(ROOT, "scripts", "swiftpm"), "build", "-c", "release", "--product", "pipe"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([os.path.join(ROOT, "scripts", "swiftpm"), "build", "-c", "release", "--product", "ToyPipe"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def run(args):
    print(f"no-op builds, {args.runs} rounds, median (best), process start to exit")
    print("  commands are interleaved: each round runs every one once, so a ratio compares like moments")
    pipe = os.path.join(RELEASE, "pipe")
    toy_pipe = os.path.join(RELEASE, "ToyPipe")
    # What every ratio below is measured against: starting the process and printing a line.
    commands = {"pipe --version": ([pipe, "--version"], ROOT, None),
                "ToyPipe --version": ([toy_pipe, "--version"], ROOT, None)}
    work = tempfile.mkdtemp(prefix="pipe-noop-")
    for width in (20, 200):
        directory = os.path.join(work, f"w{width}")
        os.makedirs(directory)
        env = dict(os.environ, PIPE_STORE=os.path.join(directory, "store"))
        cmd = [toy_pipe, "build", "wide", "--set", f"width={width}"]
        subprocess.run(cmd, cwd=directory, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        commands[f"toy{width}"] = (cmd, directory, env)
    if args.shipped is not None:
        targets = args.shipped or ["figure-exp2"]
        settings = sum((["--set", s] for s in args.set), [])
        for verb in ("build", "status"):
            commands[f"pipe {verb} {' '.join(targets)}"] = ([pipe, verb, *targets, *settings], ROOT, None)
    times = interleaved(commands, args.runs)
    shutil.rmtree(work)

    def ms(name):
        return f"{statistics.median(times[name]) * 1000:.1f} ms ({min(times[name]) * 1000:.1f})"

    def ratio(name, base):
        return (f"{statistics.median(times[name]) / statistics.median(times[base]):.2f}x"
                f" (best {min(times[name]) / min(times[base]):.2f}x)")

    print(f"  pipe --version {ms('pipe --version')}; ToyPipe --version {ms('ToyPipe --version')}")
    for width in (20, 200):
        name = f"toy{width}"
        line = f"  {width + 1:4d} stages  pipe {ms(name)} = {ratio(name, 'ToyPipe --version')} --version"
        peer = dvc(width, max(3, args.runs // 3))
        if peer:
            ours = statistics.median(times[name])
            line += f"   dvc repro {peer[0] * 1000:7.1f} ms ({peer[1] * 1000:.1f})   dvc/pipe = {peer[0] / ours:.1f}x"
        else:
            line += "   (dvc not installed: pip install dvc)"
        print(line)
    for name in commands:
        if name.startswith("pipe build") or name.startswith("pipe status"):
            print(f"  shipped pipeline: {name}: {ms(name)} = {ratio(name, 'pipe --version')} pipe --version")


def interleaved(commands, rounds):
    """Runs every command once per round, in a rotating order, and returns each one's times."""
    times = {name: [] for name in commands}
    names = list(commands)
    for round in range(rounds + 1):
        order = names[round % len(names):] + names[:round % len(names)]
        for name in order:
            cmd, cwd, env = commands[name]
            start = time.perf_counter()
            result = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            elapsed = time.perf_counter() - start
            if result.returncode != 0:
                sys.exit(f"{' '.join(cmd)} failed: {result.stderr.decode()}")
            if round > 0:  # the first round warms the page cache
                times[name].append(elapsed)
    return times


if __name__ == "__main__":
    main()
