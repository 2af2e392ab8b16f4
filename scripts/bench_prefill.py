#!/usr/bin/env python3
"""Prompt-processing speed, side by side: pipe's Llama forward pass vs llama.cpp (llama-cpp-python).

Same model file, same token ids (1, then (i * 7919 + 13) % vocab), same thread count, best of N.
pipe dequantizes the GGUF to float32 at load; llama.cpp runs the file's own types (Q4_1 for the
shipped SmolLM2). With --f32 it also writes a float32 GGUF of the same weights (once, beside the
model) and times llama.cpp on it too, the like-for-like comparison.

Usage: python3 scripts/bench_prefill.py [--gguf FILE] [--lengths 60,500] [--threads 2] [--repeats 3] [--f32]
Needs: a built PrefillBenchmark (swift build --product PrefillBenchmark); pip install llama-cpp-python gguf.
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


def bench_llama_cpp(path, lengths, threads, repeats):
    from llama_cpp import Llama
    llm = Llama(model_path=path, n_ctx=1024, n_batch=512, n_ubatch=512, n_threads=threads,
                n_threads_batch=threads, verbose=False)
    vocab = llm.n_vocab()
    results = {}
    for n in lengths:
        tokens = prompt(n, vocab)
        best = float("inf")
        for _ in range(repeats + 1):  # one warm-up
            llm.reset()
            llm._ctx.kv_cache_clear() if hasattr(llm._ctx, "kv_cache_clear") else None
            t0 = time.perf_counter()
            llm.eval(tokens)
            best = min(best, time.perf_counter() - t0)
        results[n] = n / best
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf")
    parser.add_argument("--lengths", default="60,500")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--f32", action="store_true")
    parser.add_argument("--bench", default=os.path.join(ROOT, ".build/debug/PrefillBenchmark"))
    args = parser.parse_args()
    path = args.gguf or subprocess.check_output([os.path.join(ROOT, "scripts/fetch-smollm2")], text=True).strip()
    lengths = [int(x) for x in args.lengths.split(",")]

    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)  # let pipe choose its kernels, as in production
    ours = json.loads(subprocess.check_output(
        [args.bench, "--gguf", path, "--lengths", args.lengths, "--threads", str(args.threads),
         "--repeats", str(args.repeats), "--json"], env=env))
    mine = {r["tokens"]: r["tokens_per_second"] for r in ours["prefill"]}
    print("pipe: OpenBLAS %s, %d threads, load %.2f s, peak RSS %.0f MB" % (
        ours["core"], ours["threads"], ours["load_seconds"], ours["peak_rss_mb"]))

    rows = [("llama.cpp " + os.path.basename(path), bench_llama_cpp(path, lengths, args.threads, args.repeats))]
    if args.f32:
        f32 = os.path.splitext(path)[0] + ".F32.gguf"
        if not os.path.exists(f32):
            write_f32(path, f32)
        rows.append(("llama.cpp F32 of the same weights", bench_llama_cpp(f32, lengths, args.threads, args.repeats)))
    print("%-6s %12s  %s" % ("tokens", "pipe tok/s", "   ".join("%s tok/s (pipe/it)" % name for name, _ in rows)))
    for n in lengths:
        cells = ["%8.1f (%.2fx)" % (r[n], mine[n] / r[n]) for _, r in rows]
        print("%-6d %12.1f  %s" % (n, mine[n], "   ".join(cells)))


if __name__ == "__main__":
    main()
