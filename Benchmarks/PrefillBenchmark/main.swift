// PrefillBenchmark: prompt-processing speed of the Llama forward pass on SmolLM2-135M (GGUF,
// dequantized to Float32 at load), like llama.cpp's "pp" figures. Not a test.
//
//   scripts/swiftpm build -c release --product PrefillBenchmark && .build/release/PrefillBenchmark [--gguf FILE] [--lengths 60,500] [--repeats 3] [--threads 2] [--decode 16] [--json]
//
// FILE defaults to what scripts/fetch-smollm2 prints. Prompts are the token ids
// 1, then (i * 7919 + 13) % vocabulary for i = 1..<length (scripts/bench_prefill.py uses the same).
// Prints the OpenBLAS core, load time, best-of-repeats tok/s per length, and peak RSS; then decode
// speed after the first prompt: `--decode` single-token steps on one cache, and batched steps over
// 10 and 100 forks of it (a trie level), in tokens per second (0 skips them).
import Foundation
import Stages

var path = (ProcessInfo.processInfo.environment["PIPE_MODELS"]
    ?? NSHomeDirectory() + "/.cache/pipe/models") + "/SmolLM2-135M-Instruct.Q4_1.gguf"
var lengths = [60, 500], repeats = 3, threads = 2, json = false, decode = 16
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    if flag == "--json" { json = true; continue }
    guard !arguments.isEmpty else { fatalError("\(flag) needs a value") }
    let value = arguments.removeFirst()
    switch flag {
    case "--gguf": path = value
    case "--lengths": lengths = value.split(separator: ",").map { Int($0)! }
    case "--repeats": repeats = Int(value)!
    case "--threads": threads = Int(value)!
    case "--decode": decode = Int(value)!
    default: fatalError("unknown argument \(flag)")
    }
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// The benchmark prompt of `length` tokens for a vocabulary of `vocabulary` ids.
func prompt(_ length: Int, vocabulary: Int) -> [Int] {
    [1] + (1..<length).map { ($0 * 7919 + 13) % vocabulary }
}

do {
    try BLAS.ensureLoaded()
    let start = now()
    let model = try LlamaModel(ggufPath: path)
    let load = now() - start
    var results: [[String: Any]] = []
    for length in lengths {
        let tokens = prompt(length, vocabulary: model.config.vocabularySize)
        var best = Double.infinity
        for _ in 0..<max(repeats, 1) + 1 {  // one warm-up
            var cache = model.makeCache()
            let t0 = now()
            _ = try model.prefill(tokens, cache: &cache, threads: threads)
            best = min(best, now() - t0)
        }
        results.append(["tokens": length, "seconds": best, "tokens_per_second": Double(length) / best])
    }
    var decoding: [[String: Any]] = []
    if decode > 0 {
        var prefix = model.makeCache()
        _ = try model.prefill(prompt(lengths[0], vocabulary: model.config.vocabularySize), cache: &prefix, threads: threads)
        var cache = prefix
        let t0 = now()
        for i in 0..<decode { _ = try model.step((i * 31 + 7) % model.config.vocabularySize, cache: &cache, threads: threads) }
        decoding.append(["batch": 1, "tokens_per_second": Double(decode) / (now() - t0)])
        for width in [10, 100] {
            var forks = [KVCache](repeating: prefix, count: width)
            let t1 = now()
            _ = try model.step((0..<width).map { 16 + $0 }, caches: &forks, threads: threads)
            decoding.append(["batch": width, "tokens_per_second": Double(width) / (now() - t1)])
        }
    }
    let report: [String: Any] = ["model": path, "core": BLAS.coreName, "threads": threads, "load_seconds": load,
                                 "peak_rss_mb": peakRSSMegabytes(), "prefill": results, "decode": decoding]
    if json {
        FileHandle.standardOutput.write(try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]))
        print()
    } else {
        print("model \(path)")
        print("OpenBLAS core \(BLAS.coreName), \(threads) threads; load + dequantize \(String(format: "%.2f", load)) s")
        for r in results {
            print(String(format: "prefill %4d tokens: %7.1f tok/s (%.3f s, best of %d)",
                         r["tokens"] as! Int, r["tokens_per_second"] as! Double, r["seconds"] as! Double, repeats))
        }
        for r in decoding {
            print(String(format: "decode after %d tokens, batch %3d: %7.1f tok/s",
                         lengths[0], r["batch"] as! Int, r["tokens_per_second"] as! Double))
        }
        print(String(format: "peak RSS %.0f MB", peakRSSMegabytes()))
    }
} catch {
    FileHandle.standardError.write("PrefillBenchmark: \(error)\n".data(using: .utf8)!)
    exit(1)
}
