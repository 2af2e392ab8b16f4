// LLMProbe: loads a Llama model (GGUF file or Hugging Face directory) and prints, as JSON, the
// next-token logits after each given token sequence. For peers in scripts/ (check_smollm2.py).
//
//   scripts/swiftpm build --product LLMProbe && .build/debug/LLMProbe --gguf FILE | --dir DIR  --tokens 1,2,3 [--tokens 4,5] [--threads 2]
//
// Output: {"source": ..., "sequences": [{"tokens": [...], "logits": [...]}]}
import Foundation
import Stages

var gguf: String?, directory: String?
var sequences: [[Int]] = []
var threads = 2
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    guard !arguments.isEmpty else { fatalError("\(flag) needs a value") }
    let value = arguments.removeFirst()
    switch flag {
    case "--gguf": gguf = value
    case "--dir": directory = value
    case "--tokens": sequences.append(value.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! })
    case "--threads": threads = Int(value)!
    default: fatalError("unknown argument \(flag)")
    }
}

do {
    let model: LlamaModel
    if let gguf { model = try LlamaModel(ggufPath: gguf) } else if let directory { model = try LlamaModel(directory: directory) } else {
        fatalError("pass --gguf FILE or --dir DIR")
    }
    var results: [[String: Any]] = []
    for tokens in sequences {
        var cache = model.makeCache()
        let logits = try model.prefill(tokens, cache: &cache, threads: threads)
        results.append(["tokens": tokens, "logits": logits.map(Double.init)])
    }
    let json = try JSONSerialization.data(withJSONObject: ["source": model.source, "sequences": results])
    FileHandle.standardOutput.write(json)
    print()
} catch {
    FileHandle.standardError.write("LLMProbe: \(error)\n".data(using: .utf8)!)
    exit(1)
}
