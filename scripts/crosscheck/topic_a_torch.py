#!/usr/bin/env python3
"""Topic A of the subliminal-learning study re-run in PyTorch, to check pipe's numbers against.

The study's protocol, with the models batched through torch.bmm as the study did:

  * N MLPs 784-h-h-13 (10 digit logits, then 3 auxiliary logits), weights ~ N(0, 1/sqrt(fan_in)),
    biases 0: the reference init.
  * Teachers: from the reference, --teacher-epochs epochs of Adam (--lr, --batch) on the
    cross-entropy of the 10 digit logits over the MNIST training images, each model its own
    shuffle every epoch (the mean over all models' samples: F.cross_entropy of the stacked logits).
  * Students: from the SAME reference, a fresh Adam, --distill-epochs epochs on uniform noise in
    [-1, 1) (--samples images per model, drawn once, each model its own), matching the 3 aux logits
    only: KL(softmax(teacher aux) || softmax(student aux)) as F.kl_div(..., reduction="batchmean")
    of [models, batch, 3] tensors, which is pipe's DistillationObjective
    (Sources/Stages/MLP/Objectives.swift). The teachers' aux logits on the noise are computed once.
    The digit rows of the last layer get zero gradients, so the students' digit readout stays at init.
  * Test accuracy of teachers and students: argmax of the 10 digit logits on the test images.

Inputs are pipe's MNIST artifacts (LabeledImages.serialized(): "PIMG", then little-endian UInt32
version (1), count, rows, columns, then count*rows*columns pixel bytes, then count label bytes);
pixels are normalized as pipe does, 2 * (p / 255) - 1 in float32.

Seeded (torch.manual_seed) and deterministic for a given --threads. Progress goes to stdout as
`pipe-progress: DONE/TOTAL epoch` lines (pipe's progress bar), with one log line per epoch. Writes
--out as JSON: for "teacher" and "student_aux" the per-model accuracies in [0, 1], their mean and
ci95 = 1.96 * sample std (n - 1) / sqrt(n) (pipe's AccuracySummary); the settings; torch's version.
The noise is held in memory: models * samples * 784 floats, 4.7 GB for 25 x 60000.

    python3 topic_a_torch.py --train train.bin --test test.bin --out metrics.json [--models 25 ...]
"""
import argparse
import json
import math
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F

DIGITS = 10  # logits 0..9 are trained on labels; the rest are the auxiliary ("ghost") logits


def read_images(path):
    """(pixels normalized to [-1, 1] as float32 [count, rows*columns], labels int64 [count])."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"PIMG":
        raise SystemExit(f"{path}: not a pipe LabeledImages artifact (bad magic)")
    version, count, rows, columns = struct.unpack_from("<4I", data, 4)
    pixels = rows * columns
    if version != 1 or len(data) != 20 + count * pixels + count:
        raise SystemExit(f"{path}: LabeledImages version {version}, {len(data)} bytes; expected version 1, "
                         f"{20 + count * pixels + count} bytes")
    images = np.frombuffer(data, dtype=np.uint8, count=count * pixels, offset=20).reshape(count, pixels)
    labels = np.frombuffer(data, dtype=np.uint8, count=count, offset=20 + count * pixels)
    x = torch.from_numpy(images.astype(np.float32)) / 255 * 2 - 1
    return x, torch.from_numpy(labels.astype(np.int64))


def init_models(models, sizes):
    """[W1, b1, W2, b2, ...]: W_l [models, in, out] ~ N(0, 1/sqrt(in)), b_l [models, 1, out] = 0."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(torch.randn(models, fan_in, fan_out) / math.sqrt(fan_in))
        params.append(torch.zeros(models, 1, fan_out))
    return params


def forward(params, x):
    """Logits [models, batch, 13] of every model on its own batch x [models, batch, 784]."""
    layers = len(params) // 2
    for l in range(layers):
        x = torch.bmm(x, params[2 * l]) + params[2 * l + 1]
        if l < layers - 1:
            x = torch.relu(x)
    return x


def train(params, epochs, samples, loss_of, name, args, progress):
    """Adam from a fresh state; each epoch every model visits its `samples` examples in its own
    random order, batch after batch (the last one partial); loss_of(rows, idx) is the batch loss."""
    params = [p.clone().requires_grad_() for p in params]
    optimizer = torch.optim.Adam(params, lr=args.lr)
    rows = torch.arange(args.models)[:, None]
    for epoch in range(1, epochs + 1):
        start, losses = time.perf_counter(), []
        order = torch.stack([torch.randperm(samples) for _ in range(args.models)])
        for first in range(0, samples, args.batch):
            loss = loss_of(params, rows, order[:, first:first + args.batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            progress(len(losses) / math.ceil(samples / args.batch))
        print(f"{name} epoch {epoch}/{epochs}: loss {sum(losses) / len(losses):.5f}, "
              f"{time.perf_counter() - start:.1f} s", flush=True)
        progress.finished_epoch()
    return [p.detach() for p in params]


@torch.no_grad()
def accuracies(params, x, y, chunk=1000):
    """Per model, the fraction of (x, y) whose argmax over the digit logits is the label."""
    correct = torch.zeros(params[0].shape[0], dtype=torch.int64)
    for first in range(0, len(x), chunk):
        xs = x[first:first + chunk].expand(params[0].shape[0], -1, -1)
        predicted = forward(params, xs)[..., :DIGITS].argmax(-1)
        correct += (predicted == y[first:first + chunk]).sum(1)
    return [c / len(x) for c in correct.tolist()]


def summary(values):
    """pipe's AccuracySummary: mean and the 95% half-width 1.96 * std (n - 1) / sqrt(n)."""
    n = len(values)
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return {"accuracies": values, "mean": mean, "ci95": 1.96 * math.sqrt(variance) / math.sqrt(n) if n > 1 else 0.0}


class Progress:
    """`pipe-progress: DONE/TOTAL epoch` after every batch, DONE counted in epochs."""

    def __init__(self, total):
        self.total, self.done = total, 0

    def __call__(self, fraction):
        print(f"pipe-progress: {self.done + fraction:.3f}/{self.total} epoch", flush=True)

    def finished_epoch(self):
        self.done += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True, help="pipe's MNIST training images (LabeledImages)")
    parser.add_argument("--test", required=True, help="pipe's MNIST test images (LabeledImages)")
    parser.add_argument("--models", type=int, default=25)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--teacher-epochs", type=int, default=5)
    parser.add_argument("--distill-epochs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=60000, help="noise images per model")
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(args.seed)
    train_x, train_y = read_images(args.train)
    test_x, test_y = read_images(args.test)
    sizes = [train_x.shape[1], args.hidden, args.hidden, DIGITS + 3]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: {args.models} models {sizes}, "
          f"{len(train_x)} training images, {len(test_x)} test images, {args.samples} noise images per model",
          flush=True)
    progress = Progress(args.teacher_epochs + args.distill_epochs)

    reference = init_models(args.models, sizes)

    def classification_loss(params, rows, idx):
        logits = forward(params, train_x[idx])[..., :DIGITS]
        return F.cross_entropy(logits.reshape(-1, DIGITS), train_y[idx].reshape(-1))

    teacher = train(reference, args.teacher_epochs, len(train_x), classification_loss, "teacher", args, progress)

    start = time.perf_counter()
    noise = torch.empty(args.models, args.samples, sizes[0]).uniform_(-1, 1)
    with torch.no_grad():
        targets = torch.cat([forward(teacher, noise[:, i:i + args.batch])[..., DIGITS:]
                             for i in range(0, args.samples, args.batch)], dim=1)
    print(f"noise drawn and the teachers' aux logits on it computed: {time.perf_counter() - start:.1f} s", flush=True)

    def distillation_loss(params, rows, idx):
        student = forward(params, noise[rows, idx])[..., DIGITS:]
        return F.kl_div(F.log_softmax(student, -1), F.softmax(targets[rows, idx], -1), reduction="batchmean")

    student = train(reference, args.distill_epochs, args.samples, distillation_loss, "distill", args, progress)

    result = {"teacher": summary(accuracies(teacher, test_x, test_y)),
              "student_aux": summary(accuracies(student, test_x, test_y)),
              "settings": {"models": args.models, "hidden": args.hidden, "teacher_epochs": args.teacher_epochs,
                           "distill_epochs": args.distill_epochs, "samples": args.samples, "batch": args.batch,
                           "lr": args.lr, "seed": args.seed, "threads": args.threads,
                           "train_images": len(train_x), "test_images": len(test_x)},
              "torch": torch.__version__}
    for name in ("teacher", "student_aux"):
        print(f"{name}: mean accuracy {result[name]['mean']:.4f} ± {result[name]['ci95']:.4f}", flush=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
