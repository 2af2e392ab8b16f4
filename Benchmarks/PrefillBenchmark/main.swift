// PrefillBenchmark: prompt-processing speed of the Llama forward pass on SmolLM2-135M (GGUF,
// dequantized to Float32 at load), like llama.cpp's "pp" figures. Not a test.
//
//   scripts/swiftpm build -c release --product PrefillBenchmark && .build/release/PrefillBenchmark [--gguf FILE] [--lengths 60,500] [--repeats 3] [--threads 2] [--decode 16] [--json]
//
// FILE defaults to what scripts/fetch-smollm2 prints. Prompts are the token ids
// 1, then (i * 7919 + 13) % vocabulary for i = 1..<length (scripts/bench_prefill.py uses the same).
// Prints the OpenBLAS core, load time, best-of-repeats tok/s per length, and peak RSS; then decode
// speed after the first prompt: `--decode` single-token steps on one cache (best of repeats), and the
// same number of passes of a step's weight products alone (LlamaModel.decodeWeightProducts: the
// memory traffic of a step with nothing else, its floor; alternated with the same passes through
// OpenBLAS's sgemv instead of GEMVKernel), batched steps over
// 10 and 100 forks of it (forked KVCaches), and trie levels of 10, 100 and 900 forks of it through
// PrefixForks (what number-probabilities runs), in tokens per second and as a share of the last
// prefill's rate (0 skips them).
// `--trie OUT` also times a whole number-probabilities computation (NumberTrie: the first prompt,
// then 1000 numbers digit by digit; the second of two runs, as a build's later stages), writes its 1000 probabilities to OUT (JSON), and with
// `--reference FILE` prints their largest relative difference from an earlier OUT; `--trie-chunk N`
// runs the trie's nodes in passes of at most N (NumberTrie's chunk, default 1000: one pass).
// `--dispatch` runs the parallel regions through DispatchQueue.concurrentPerform instead of the
// persistent WorkerTeam (the same work per lane, so the same bits): run both to compare.
import Foundation
import Stages

var path = (ProcessInfo.processInfo.environment["PIPE_MODELS"]
    ?? NSHomeDirectory() + "/.cache/pipe/models") + "/SmolLM2-135M-Instruct.Q4_1.gguf"
var lengths = [60, 500], repeats = 3, threads = 2, json = false, decode = 16
var trieOutput: String?, trieReference: String?, trieChunk = 1000
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    if flag == "--json" { json = true; continue }
    if flag == "--dispatch" { WorkerTeam.bypassed = true; continue }
    if flag == "--help" || flag == "-h" {
        print("""
            usage: PrefillBenchmark [--gguf FILE] [--lengths 60,500] [--repeats 3] [--threads 2] [--decode 16]
                                    [--trie OUT [--reference FILE] [--trie-chunk 1000]] [--dispatch] [--json]
            Prefill, decode and trie speed of the Llama forward pass on SmolLM2-135M (see the comment atop main.swift).
            """)
        exit(0)
    }
    guard !arguments.isEmpty else {
        FileHandle.standardError.write(Data("PrefillBenchmark: \(flag) needs a value (--help lists the options)\n".utf8)); exit(2)
    }
    let value = arguments.removeFirst()
    switch flag {
    case "--gguf": path = value
    case "--lengths": lengths = value.split(separator: ",").map { Int($0)! }
    case "--repeats": repeats = Int(value)!
    case "--threads": threads = Int(value)!
    case "--decode": decode = Int(value)!
    case "--trie": trieOutput = value
    case "--reference": trieReference = value
    case "--trie-chunk": trieChunk = Int(value)!
    default:
        FileHandle.standardError.write(Data("PrefillBenchmark: unknown argument \(flag) (--help lists the options)\n".utf8)); exit(2)
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
    var decodeFloor: Double?, decodeFloorBLAS: Double?
    if decode > 0 {
        var prefix = model.makeCache()
        _ = try model.prefill(prompt(lengths[0], vocabulary: model.config.vocabularySize), cache: &prefix, threads: threads)
        var fastest = Double.infinity
        for _ in 0..<max(repeats, 1) {
            var cache = prefix
            let t0 = now()
            for i in 0..<decode { _ = try model.step((i * 31 + 7) % model.config.vocabularySize, cache: &cache, threads: threads) }
            fastest = min(fastest, now() - t0)
        }
        decoding.append(["batch": 1, "tokens_per_second": Double(decode) / fastest])
        // The floor as a step runs it, and through OpenBLAS's sgemv alone, alternated at each repeat.
        var floor = Double.infinity, floorBLAS = Double.infinity
        for _ in 0..<max(repeats, 1) {
            for viaBLAS in [false, true] {
                let t0 = now()
                for _ in 0..<decode { model.decodeWeightProducts(threads: threads, viaBLAS: viaBLAS) }
                if viaBLAS { floorBLAS = min(floorBLAS, now() - t0) } else { floor = min(floor, now() - t0) }
            }
        }
        decodeFloor = Double(decode) / floor
        decodeFloorBLAS = Double(decode) / floorBLAS
        for width in [10, 100] {
            var forks = [KVCache](repeating: prefix, count: width)
            let t1 = now()
            _ = try model.step((0..<width).map { 16 + $0 }, caches: &forks, threads: threads)
            decoding.append(["batch": width, "tokens_per_second": Double(width) / (now() - t1)])
        }
        for width in [10, 100, 900] {
            let forks = PrefixForks(model: model, prompt: prefix)
            let tokens = (0..<width).map { 16 + $0 }, parents = [Int](repeating: PrefixForks.prompt, count: width)
            var best = Double.infinity
            for _ in 0..<max(repeats, 1) {
                let t1 = now()
                _ = try forks.step(tokens, after: parents, threads: threads) { _, _ in }
                best = min(best, now() - t1)
            }
            decoding.append(["forks": width, "tokens_per_second": Double(width) / best])
        }
    }
    var trie: [String: Any] = [:]
    if let trieOutput {
        // The digit tokens and which tokens start with a digit, as number-probabilities finds them.
        let file = try LanguageModelFile(path: path)
        let texts = (0..<model.config.vocabularySize).map { file.text(of: $0) }
        let startsWithDigit = texts.map { $0.first.map { $0.isASCII && $0.isNumber } ?? false }
        let written = (0..<1000).map { n in file.tokenizer!.encode(String(n)).map(Int.init) }
        // Twice: the first run also pays for touching its ~200 MB of buffers for the first time (under
        // a hypervisor 0.5 s or more); a build's later number-probabilities stages reuse freed memory
        // and run like the second, which is the figure reported.
        func runTrie() throws -> (numbers: [Double], seconds: Double) {
            let t0 = now()
            let result = try NumberTrie.probabilities(model, prompt: prompt(lengths[0], vocabulary: model.config.vocabularySize),
                                                      separator: [], vocabulary: .init(numbers: written, startsWithDigit: startsWithDigit),
                                                      threads: threads, chunk: trieChunk)
            return (result.numbers, now() - t0)
        }
        trie["first_seconds"] = try runTrie().seconds
        let result = try runTrie()
        trie["seconds"] = result.seconds
        try JSONSerialization.data(withJSONObject: result.numbers).write(to: URL(fileURLWithPath: trieOutput))
        if let trieReference {
            let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trieReference))) as! [Double]
            trie["max_relative_difference"] = zip(result.numbers, reference).map { abs($0 - $1) / abs($1) }.max()!
        }
    }
    let report: [String: Any] = ["model": path, "trie": trie, "core": BLAS.coreName, "threads": threads, "load_seconds": load,
                                 "peak_rss_mb": peakRSSMegabytes(), "prefill": results, "decode": decoding,
                                 "decode_weight_products_tokens_per_second": decodeFloor ?? 0,
                                 "decode_weight_products_sgemv_tokens_per_second": decodeFloorBLAS ?? 0]
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
        let prefillRate = results.last!["tokens_per_second"] as! Double
        for r in decoding {
            let rate = r["tokens_per_second"] as! Double
            let share = String(format: "%3.0f%% of prefill %d", 100 * rate / prefillRate, results.last!["tokens"] as! Int)
            if let batch = r["batch"] as? Int {
                print(String(format: "decode after %d tokens, KVCache forks %3d: %7.1f tok/s", lengths[0], batch, rate) + " (" + share + ")")
                if batch == 1, let decodeFloor {
                    print(String(format: "  its weight products alone (%d single-row passes over every matrix): %7.1f tok/s; "
                                 + "the step runs at %.0f%% of that", decode, decodeFloor, 100 * rate / decodeFloor))
                    if let decodeFloorBLAS {
                        print(String(format: "  the same through OpenBLAS's sgemv, never GEMVKernel (alternated):  %7.1f tok/s; "
                                     + "GEMVKernel %.3fx", decodeFloorBLAS, decodeFloor / decodeFloorBLAS))
                    }
                }
            } else {
                print(String(format: "decode after %d tokens, PrefixForks  %3d: %7.1f tok/s", lengths[0], r["forks"] as! Int, rate) + " (" + share + ")")
            }
        }
        if let seconds = trie["seconds"] as? Double {
            let prefillRate = results.last!["tokens_per_second"] as! Double
            print(String(format: "number trie after %d tokens (1000 numbers): %.3f s, the prompt's prefill included; "
                         + "%.1f nodes/s (%.0f%% of prefill %d); the process's first trie %.3f s", lengths[0], seconds, 1000 / seconds,
                         100 * 1000 / seconds / prefillRate, results.last!["tokens"] as! Int, trie["first_seconds"] as! Double))
        }
        if let difference = trie["max_relative_difference"] as? Double {
            print(String(format: "number trie: largest relative difference from the reference %.3g", difference))
        }
        print(String(format: "peak RSS %.0f MB", peakRSSMegabytes()))
    }
} catch {
    FileHandle.standardError.write("PrefillBenchmark: \(error)\n".data(using: .utf8)!)
    exit(1)
}
