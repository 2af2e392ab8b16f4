import Foundation
@testable import Stages

/// Tests/Fixtures/tiny-llama, written by scripts/fixtures/make_tiny_llama.py.
let tinyLlamaDirectory: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tiny-llama").path
}()

/// One reference sequence of reference.json: tokens and transformers' logits (all positions, or the last).
struct ReferenceLogits {
    let tokens: [Int]
    let lastOnly: Bool
    let logits: [[Float]]
}

/// The reference logits of `model` ("tied", "tied.q8_0", "llama3").
func referenceLogits(_ model: String) throws -> [ReferenceLogits] {
    let data = try Data(contentsOf: URL(fileURLWithPath: tinyLlamaDirectory + "/reference.json"))
    let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let models = json["models"] as! [String: Any]
    return (models[model] as! [[String: Any]]).map { entry in
        ReferenceLogits(tokens: (entry["tokens"] as! [NSNumber]).map(\.intValue),
                        lastOnly: (entry["last_only"] as? Bool) ?? false,
                        logits: (entry["logits"] as! [[NSNumber]]).map { $0.map(\.floatValue) })
    }
}

/// The largest |a - b| over two equally long arrays.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "maxAbsDifference: \(a.count) vs \(b.count) values")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Row `r` of a (rows, cols) tensor.
func row(_ t: Tensor, _ r: Int) -> [Float] {
    let cols = t.shape[1]
    return Array(UnsafeBufferPointer(start: t.pointer + r * cols, count: cols))
}

/// A fresh temporary directory for one test, under one directory per test process. Tests do not
/// remove theirs (fixtures are shared by paths they return), so each process removes those of
/// test processes that have ended: a machine keeps at most the last run's.
func llmTemporaryDirectory() throws -> String {
    let path = llmTestProcessDirectory + "/" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// This process's parent of llmTemporaryDirectory()'s, made once after removing ended processes'.
private let llmTestProcessDirectory: String = {
    let root = NSTemporaryDirectory() + "pipe-llm-tests"
    for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
        guard let pid = Int32(name), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
        try? FileManager.default.removeItem(atPath: root + "/" + name)
    }
    return root + "/\(getpid())"
}()

/// Bytes of a minimal GGUF v3 file, for error cases: little-endian fields appended one by one.
struct GGUFBuilder {
    var bytes: [UInt8] = []
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
    mutating func pad(to alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }

    /// A file with one F32-or-`type` tensor "x" of 32 elements and the given header fields.
    static func oneTensor(version: UInt32 = 3, type: UInt32 = 0, dataBytes: Int = 128, metadataType: UInt32 = 8,
                          offset: UInt64 = 0) -> [UInt8] {
        var b = GGUFBuilder()
        b.bytes += Array("GGUF".utf8)
        b.u32(version)
        b.u64(1)  // tensors
        b.u64(1)  // metadata
        b.string("general.architecture"); b.u32(metadataType); b.string("llama")
        b.string("x"); b.u32(1); b.u64(32); b.u32(type); b.u64(offset)
        b.pad(to: 32)
        b.bytes += [UInt8](repeating: 0, count: dataBytes)
        return b.bytes
    }
}

/// Writes `bytes` to a new file in a temporary directory and returns its path.
func writeTemporaryFile(_ bytes: [UInt8], name: String) throws -> String {
    let path = try llmTemporaryDirectory() + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}
