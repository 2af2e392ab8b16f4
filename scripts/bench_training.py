#!/usr/bin/env python3
"""Training speed, pipe vs PyTorch, side by side on the same inputs and the same machine.

One teacher epoch (cross-entropy on digit logits) and one distillation epoch (KL on the 3 aux
logits, uniform noise in [-1, 1]) of the study's baseline at full scale: 25 MLPs 784-256-256-13
trained at once, 60000 samples per model, batch 1024, Adam lr 3e-4. The PyTorch peer is the
original study's formulation (models batched with torch.bmm, each with its own shuffle), run with
torch.set_num_threads(2); pipe's side is its TrainingBenchmark, which runs the real stage kinds.

    python3 scripts/bench_training.py [--models 25] [--samples 60000] [--skip-pipe] [--skip-torch]

Prints both, and the ratio (PyTorch seconds / pipe seconds: above 1 means pipe is faster).
"""
import argparse, gzip, json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_mnist(directory, samples):
    import numpy as np
    with gzip.open(os.path.join(directory, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(directory, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return images[:samples], labels[:samples]


def torch_epochs(args):
    import numpy as np
    import torch
    torch.set_num_threads(2)
    torch.manual_seed(0)
    m, n, b, h = args.models, args.samples, args.batch, args.hidden
    sizes = [784, h, h, 13]

    def init():
        return [(torch.randn(m, sizes[i], sizes[i + 1]) / sizes[i] ** 0.5).requires_grad_()
                for i in range(3)] + [torch.zeros(m, 1, sizes[i + 1], requires_grad=True) for i in range(3)]

    def forward(params, x):  # x: [m, batch, 784]
        w1, w2, w3, b1, b2, b3 = params
        x = torch.relu(torch.bmm(x, w1) + b1)
        x = torch.relu(torch.bmm(x, w2) + b2)
        return torch.bmm(x, w3) + b3

    images, labels = load_mnist(args.mnist, n)
    x_all = (torch.from_numpy(images.astype(np.float32)) / 255 - 0.5) / 0.5
    y_all = torch.from_numpy(labels.astype(np.int64))

    params = init()
    opt = torch.optim.Adam(params, lr=3e-4)
    start = time.perf_counter()
    orders = torch.stack([torch.randperm(n) for _ in range(m)])
    for i in range(0, n, b):
        idx = orders[:, i:i + b]
        x, y = x_all[idx], y_all[idx]
        logits = forward(params, x)[..., :10]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 10), y.reshape(-1))
        opt.zero_grad(); loss.backward(); opt.step()
    teacher_s = time.perf_counter() - start
    teacher = [p.detach() for p in params]

    # Distillation: noise fixed per model, teacher logits computed once (as pipe does), 1 epoch.
    noise = torch.rand(m, n, 784) * 2 - 1
    start = time.perf_counter()
    with torch.no_grad():
        targets = torch.cat([forward(teacher, noise[:, i:i + b])[..., 10:] for i in range(0, n, b)], dim=1)
    logits_s = time.perf_counter() - start
    student = init()
    opt = torch.optim.Adam(student, lr=3e-4)
    start = time.perf_counter()
    orders = torch.stack([torch.randperm(n) for _ in range(m)])
    rows = torch.arange(m)[:, None]
    for i in range(0, n, b):
        idx = orders[:, i:i + b]
        x, t = noise[rows, idx], targets[rows, idx]
        s = forward(student, x)[..., 10:]
        loss = torch.nn.functional.kl_div(torch.log_softmax(s, -1), torch.log_softmax(t, -1),
                                          reduction="sum", log_target=True) / m
        opt.zero_grad(); loss.backward(); opt.step()
    distill_s = time.perf_counter() - start
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "teacher_epoch_s": teacher_s,
            "distill_epoch_s": distill_s, "teacher_logits_s": logits_s}


def pipe_epochs(args):
    subprocess.run([os.path.join(ROOT, "scripts", "swiftpm"), "build", "-c", "release", "--product", "TrainingBenchmark"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    binary = os.path.join(ROOT, ".build", "release", "TrainingBenchmark")
    out = subprocess.run([binary, "--models", str(args.models), "--samples", str(args.samples), "--batch",
                          str(args.batch), "--hidden", str(args.hidden), "--mnist", args.mnist, "--json"],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    sys.stdout.write("".join("  | " + line + "\n" for line in out.splitlines() if not line.startswith("JSON ")))
    return json.loads(next(line[5:] for line in out.splitlines() if line.startswith("JSON ")))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=25)
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--mnist", default=os.environ.get("PIPE_MNIST_DIR",
                                                          os.path.join(ROOT, "..", "shared", "data", "mnist")))
    parser.add_argument("--skip-pipe", action="store_true")
    parser.add_argument("--skip-torch", action="store_true")
    args = parser.parse_args()
    ours = None if args.skip_pipe else pipe_epochs(args)
    peer = None if args.skip_torch else torch_epochs(args)
    print(f"\n{args.models} models x {args.samples} samples, batch {args.batch}, hidden {args.hidden}; seconds per epoch")
    if ours:
        print(f"OpenBLAS core: {ours['core']}, pipe workers: {ours['workers']}")
    if peer:
        print(f"PyTorch {peer['torch']}, {peer['threads']} threads")
    print(f"{'':22}{'pipe':>9}{'PyTorch':>9}{'ratio':>8}")
    for key, name in [("teacher_epoch_s", "teacher epoch"), ("distill_epoch_s", "distillation epoch"),
                      ("teacher_logits_s", "teacher logits")]:
        a = ours[key] if ours else float("nan")
        b = peer[key] if peer else float("nan")
        print(f"{name:22}{a:9.2f}{b:9.2f}{b / a:8.2f}x")


if __name__ == "__main__":
    main()
