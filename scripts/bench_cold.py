#!/usr/bin/env python3
"""A cold build against its useful FLOPs: how close a whole experiment, from an empty store, comes
to the machine's sgemm peak.

Measures the sgemm peak (TrainingBenchmark --peak-only: the best of the training step's GEMM
shapes on all cores) before and after, builds TARGET into an empty store and times it, then reads each stage's log
(`pipe show STAGE --log`) for the work it did and counts that work's GEMM FLOPs, 2 per multiply-add,
as TrainingBenchmark does: forward, every weight gradient, every input gradient but the first
layer's. Loading, shuffling, Adam, softmax, serializing and storing count as overhead.

    python3 scripts/bench_cold.py [--target figure-exp2] [--set KEY=VALUE ...] [--release-dir DIR]
                                  [--keep-store DIR]

Prints, per stage kind, stages, seconds, TFLOP and % of peak, then the build's ratio
    wall seconds / (useful FLOPs / peak)
where 1.0 would be every second of the build spent in GEMMs at the peak (issue 15's target: 1.2).
Needs MNIST (PIPE_MNIST_DIR or the download mirrors). Stage kinds other than the MLP ones count
no FLOPs and are listed as such.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(release_dir):
    if release_dir:
        return os.path.abspath(release_dir)
    for product in ("pipe", "TrainingBenchmark"):
        subprocess.run([os.path.join(ROOT, "scripts", "swiftpm"), "build", "-c", "release", "--product", product],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, ".build", "release")


def peak(release):
    out = subprocess.run([os.path.join(release, "TrainingBenchmark"), "--peak-only", "--json"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("JSON "))
    return json.loads(line[5:])


class Shape:
    """The study's MLP, 784-h-h-13, and its FLOPs per sample (MLPShape.swift)."""

    def __init__(self, hidden):
        self.sizes = [784, hidden, hidden, 13]
        pairs = list(zip(self.sizes, self.sizes[1:]))
        self.forward_macs = sum(a * b for a, b in pairs)
        self.input_gradient_macs = sum(a * b for a, b in pairs[1:])

    @property
    def forward(self):
        return 2 * self.forward_macs

    @property
    def training(self):
        return 2 * (2 * self.forward_macs + self.input_gradient_macs)


def useful_flops(kind, params, log, facts):
    """GEMM FLOPs of one stage's run, from its parameters and log; None for kinds without any."""
    shape = facts["shape"]
    if kind in ("train-teacher", "distill"):
        m = re.search(r"(\d+) models, epochs (\d+) -> (\d+)", log)
        if not m:
            return 0
        models, first, last = map(int, m.groups())
        if kind == "train-teacher":
            samples = params.get("trainSamples") or facts["train"]
        else:
            samples = params["data"]["samples"]
        return (last - first) * samples * models * shape.training
    if kind == "teacher-logits":
        m = re.search(r"(\d+) models x (\d+) \S+ images", log)
        return int(m.group(1)) * int(m.group(2)) * shape.forward if m else 0
    if kind == "evaluate":
        return facts["models"] * facts["test"] * shape.forward
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="figure-exp2")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--release-dir", help="use pipe and TrainingBenchmark already built there; no build")
    parser.add_argument("--keep-store", help="build into this (empty or absent) directory and keep it")
    args = parser.parse_args()
    release = build(args.release_dir)
    pipe = os.path.join(release, "pipe")
    settings = sum((["--set", s] for s in args.set), [])

    # The peak before and after the build, the higher one counting: a shared machine's speed drifts
    # over ten minutes, and the higher peak gives the less flattering ratio.
    before = peak(release)
    print(f"OpenBLAS core {before['core']}, {before['workers']} workers; sgemm peak before the build "
          f"{before['sgemm_peak_gflops']:.1f} GFLOP/s")

    store = args.keep_store or tempfile.mkdtemp(prefix="pipe-cold-")
    if os.path.exists(store) and os.listdir(store):
        sys.exit(f"{store} is not empty: a cold build needs an empty store")
    env = dict(os.environ, PIPE_STORE=store)
    start = time.perf_counter()
    result = subprocess.run([pipe, "build", args.target, *settings], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"pipe build {args.target} failed:\n{result.stderr[-3000:]}")

    status = json.loads(subprocess.run([pipe, "status", args.target, *settings, "--json"], cwd=ROOT, env=env,
                                       check=True, capture_output=True, text=True).stdout)

    def show(stage, *extra):
        return subprocess.run([pipe, "show", stage, *settings, *extra], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout

    runs = []
    for entry in status:
        info = json.loads(show(entry["stage"], "--json"))
        log = show(entry["stage"], "--log")
        m = re.search(r"finished in ([\d.]+) s", log)
        runs.append((entry["stage"], entry["kind"], json.loads(info.get("params") or "{}"), log,
                     float(m.group(1)) if m else 0.0))
    facts = {"train": 60000, "test": 10000, "models": 25, "shape": Shape(256)}
    for stage, kind, params, log, _ in runs:
        if kind == "load-mnist":
            m = re.search(r"train: (\d+) images .*test: (\d+)", log)
            if m:
                facts["train"], facts["test"] = int(m.group(1)), int(m.group(2))
        if kind == "init-mlps":
            facts["models"] = params.get("models", facts["models"])
            facts["shape"] = Shape(params.get("hidden", 256))

    after = peak(release)
    rate = max(before["sgemm_peak_gflops"], after["sgemm_peak_gflops"]) * 1e9
    print(f"sgemm peak after the build {after['sgemm_peak_gflops']:.1f} GFLOP/s; the ratios below use {rate / 1e9:.1f}")
    kinds = {}
    for stage, kind, params, log, seconds in runs:
        flops = useful_flops(kind, params, log, facts)
        total = kinds.setdefault(kind, {"stages": 0, "seconds": 0.0, "flops": 0, "counted": flops is not None})
        total["stages"] += 1
        total["seconds"] += seconds
        total["flops"] += flops or 0
    useful = sum(k["flops"] for k in kinds.values())
    in_stages = sum(k["seconds"] for k in kinds.values())
    print(f"\ncold `pipe build {args.target}` ({len(runs)} stages): {wall:.1f} s wall, "
          f"{in_stages:.1f} s inside stages")
    print(f"  {'kind':<16} {'stages':>6} {'seconds':>9} {'TFLOP':>8} {'at peak s':>10} {'% of peak':>10}")
    for kind, k in sorted(kinds.items(), key=lambda item: -item[1]["seconds"]):
        if k["counted"]:
            ideal = k["flops"] / rate
            share = f"{100 * ideal / k['seconds']:9.1f}%" if k["seconds"] > 0 else "        -"
            print(f"  {kind:<16} {k['stages']:6d} {k['seconds']:9.1f} {k['flops'] / 1e12:8.2f} {ideal:10.1f} {share:>10}")
        else:
            print(f"  {kind:<16} {k['stages']:6d} {k['seconds']:9.1f} {'-':>8} {'-':>10} {'(no GEMMs)':>10}")
    ideal = useful / rate
    print(f"\nuseful FLOPs {useful / 1e12:.2f} TFLOP = {ideal:.1f} s at the peak; "
          f"the build took {wall:.1f} s = {wall / ideal:.2f}x that (target: <= 1.2x)")
    if not args.keep_store:
        shutil.rmtree(store)


if __name__ == "__main__":
    main()
