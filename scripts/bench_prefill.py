#!/usr/bin/env python3
"""Prompt-processing and decode speed, side by side: pipe's Llama forward pass vs llama.cpp (llama-cpp-python).

Same model file, same token ids (1, then (i * 7919 + 13) % vocab), same thread count; rounds alternate the engines
(the machine is shared), and each figure is the best of all rounds.
pipe dequantizes the GGUF to float32 at load; llama.cpp runs the file's own types (Q4_1 for the
shipped SmolLM2). With --f32 it also writes a float32 GGUF of the same weights (once, beside the
model) and times llama.cpp on it too, the like-for-like comparison.
Decode: after the first length's prompt, --decode single-token steps (tokens (i * 31 + 7) % vocab), one
cache, best of the repeats; pipe's figure is PrefillBenchmark's "KVCache forks 1".

Usage: python3 scripts/bench_prefill.py [--gguf FILE] [--lengths 60,500] [--threads 2] [--repeats 2]
                                       [--rounds 3] [--decode 32] [--f32]
Needs: a built PrefillBenchmark (scripts/swiftpm build -c release --product PrefillBenchmark); pip install llama-cpp-python gguf.
"""
import argparse
import json
import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def prompt(length, vocab):
    return [1] + [(i * 7919 + 13) % vocab for i in range(1, length)]


def write_f32(src, dst):
    import gguf
    import numpy as np
    reader = gguf.GGUFReader(src)
    writer = gguf.GGUFWriter(dst, reader.fields["general.architecture"].contents())
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        if name == "general.file_type":
            writer.add_file_type(0)
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, field.contents(), vtype, sub_type=sub)
    for t in reader.tensors:
        arr = gguf.quants.dequantize(t.data, t.tensor_type).reshape([int(n) for n in reversed(t.shape)])
        writer.add_tensor(t.name, np.ascontiguousarray(arr, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def llama_worker(path, threads):
    """One llama.cpp context on a GGUF file, in a process of its own so that its peak RSS is its
    own: reads "LENGTH REPEATS" lines, answers tokens/s; "rss" answers the peak RSS in MB."""
    import resource
    import sys
    from llama_cpp import Llama
    llm = Llama(model_path=path, n_ctx=1024, n_batch=512, n_ubatch=512, n_threads=threads,
                n_threads_batch=threads, verbose=False)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "rss":
            print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True)
            continue
        if line.startswith("decode "):
            length, steps, repeats = map(int, line.split()[1:])
            llm.reset()
            llm.eval(prompt(length, llm.n_vocab()))
            best = float("inf")
            for _ in range(repeats + 1):  # one warm-up
                llm.n_tokens = length  # the next eval drops the cache from here and continues the prompt
                t0 = time.perf_counter()
                for i in range(steps):
                    llm.eval([(i * 31 + 7) % llm.n_vocab()])
                best = min(best, time.perf_counter() - t0)
            print(steps / best, flush=True)
            continue
        length, repeats = map(int, line.split())
        tokens = prompt(length, llm.n_vocab())
        best = float("inf")
        for _ in range(repeats + 1):  # one warm-up
            llm.reset()  # n_tokens = 0: the next eval overwrites the KV cache from position 0
            t0 = time.perf_counter()
            llm.eval(tokens)
            best = min(best, time.perf_counter() - t0)
        print(length / best, flush=True)


class LlamaCpp:
    """A llama_worker process."""

    def __init__(self, path, threads):
        import sys
        self.process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--llama-worker", path,
                                         "--threads", str(threads)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit("llama.cpp worker failed to load " + path)

    def ask(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def best(self, length, repeats):
        return self.ask("%d %d" % (length, repeats))

    def decode(self, length, steps, repeats):
        return self.ask("decode %d %d %d" % (length, steps, repeats))

    def peak_rss_mb(self):
        return self.ask("rss")


def run_pipe(bench, path, lengths, threads, repeats, decode):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)  # let pipe choose its kernels, as in production
    out = json.loads(subprocess.check_output(
        [bench, "--gguf", path, "--lengths", ",".join(map(str, lengths)), "--threads", str(threads),
         "--repeats", str(repeats), "--decode", str(decode), "--json"], env=env))
    single = [r["tokens_per_second"] for r in out["decode"] if r.get("batch") == 1]
    return out, {r["tokens"]: r["tokens_per_second"] for r in out["prefill"]}, (single[0] if single else 0.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf")
    parser.add_argument("--lengths", default="60,500")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--decode", type=int, default=32, help="single-token steps to time (0: prefill only)")
    parser.add_argument("--f32", action="store_true")
    parser.add_argument("--bench", default=os.path.join(ROOT, ".build/debug/PrefillBenchmark"))
    parser.add_argument("--llama-worker", metavar="GGUF", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.llama_worker:
        return llama_worker(args.llama_worker, args.threads)
    path = args.gguf or subprocess.check_output([os.path.join(ROOT, "scripts/fetch-smollm2")], text=True).strip()
    lengths = [int(x) for x in args.lengths.split(",")]

    engines = [("llama.cpp " + os.path.basename(path), LlamaCpp(path, args.threads))]
    if args.f32:
        f32 = os.path.splitext(path)[0] + ".F32.gguf"
        if not os.path.exists(f32):
            write_f32(path, f32)
        engines.append(("llama.cpp F32 of the same weights", LlamaCpp(f32, args.threads)))
    # Rounds alternate the engines, so load from other jobs on the machine hits them alike; best of all.
    mine = {n: 0.0 for n in lengths}
    rows = [(name, {n: 0.0 for n in lengths}) for name, _ in engines]
    my_decode, decodes = 0.0, [0.0 for _ in engines]
    for _ in range(args.rounds):
        ours, measured, decoded = run_pipe(args.bench, path, lengths, args.threads, args.repeats, args.decode)
        my_decode = max(my_decode, decoded)
        for n in lengths:
            mine[n] = max(mine[n], measured[n])
        for i, ((_, engine), (_, best)) in enumerate(zip(engines, rows)):
            for n in lengths:
                best[n] = max(best[n], engine.best(n, args.repeats))
            if args.decode > 0:
                decodes[i] = max(decodes[i], engine.decode(lengths[0], args.decode, args.repeats))
    print("pipe: OpenBLAS %s, %d threads, load %.2f s, peak RSS %.0f MB; best of %d rounds x %d repeats" % (
        ours["core"], ours["threads"], ours["load_seconds"], ours["peak_rss_mb"], args.rounds, args.repeats))
    print("%-6s %12s  %s" % ("tokens", "pipe tok/s", "   ".join("%s tok/s (pipe/it)" % name for name, _ in rows)))
    for n in lengths:
        cells = ["%8.1f (%.2fx)" % (r[n], mine[n] / r[n]) for _, r in rows]
        print("%-6d %12.1f  %s" % (n, mine[n], "   ".join(cells)))
    if args.decode > 0:
        cells = ["%8.1f (%.2fx)" % (d, my_decode / d) for d in decodes]
        print("%-6s %12.1f  %s" % ("decode", my_decode, "   ".join(cells)))
        print("(decode: %d single-token steps after %d tokens, tok/s)" % (args.decode, lengths[0]))
    for name, engine in engines:
        print("%s: peak RSS %.0f MB (its own process)" % (name, engine.peak_rss_mb()))


if __name__ == "__main__":
    main()
