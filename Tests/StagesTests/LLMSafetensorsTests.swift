import Foundation
import Testing
@testable import Stages

@Suite("LLM safetensors reader")
struct LLMSafetensorsTests {
    @Test func shardedCheckpointThroughItsIndex() throws {
        let checkpoint = try SafetensorsCheckpoint(directory: tinyLlamaDirectory + "/tied")
        #expect(checkpoint.files.count == 2)
        #expect(checkpoint.tensorNames.contains("model.layers.1.mlp.down_proj.weight"))
        let info = try #require(checkpoint.tensor(named: "model.embed_tokens.weight"))
        #expect(info.dtype == "F32" && info.shape == [128, 32])
        // The same tensor from the GGUF written from the same model.
        let gguf = try GGUFFile(path: tinyLlamaDirectory + "/tied.f32.gguf")
        #expect(try checkpoint.floats(named: "model.embed_tokens.weight").array == gguf.floats(named: "token_embd.weight").array)
    }

    @Test func bfloat16TensorsWidenExactly() throws {
        let checkpoint = try SafetensorsCheckpoint(directory: tinyLlamaDirectory + "/llama3")
        let info = try #require(checkpoint.tensor(named: "lm_head.weight"))
        #expect(info.dtype == "BF16")
        let values = try checkpoint.floats(named: "lm_head.weight").array
        // Widened bf16: the low 16 bits are zero; and F16 in the GGUF holds the same values.
        #expect(values.allSatisfy { $0.bitPattern & 0xFFFF == 0 })
        let gguf = try GGUFFile(path: tinyLlamaDirectory + "/llama3.f16.gguf")
        #expect(maxAbsDifference(values, try gguf.floats(named: "output.weight").array) < 1e-6)
    }

    /// A safetensors file of one tensor written here: header length, JSON header, data.
    static func file(_ header: String, _ data: [UInt8], name: String) throws -> String {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        return try writeTemporaryFile(bytes + Array(header.utf8) + data, name: name)
    }

    @Test func float16TensorsWidenExactly() throws {
        // 1, -2, 0.5, 65504 (the largest half), 2^-24 (the smallest subnormal), -0.
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000]
        var data: [UInt8] = []
        for h in halves { withUnsafeBytes(of: h.littleEndian) { data += $0 } }
        let path = try Self.file(#"{"__metadata__":{"format":"pt"},"x":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]}}"#,
                                 data, name: "f16.safetensors")
        let file = try SafetensorsFile(path: path)
        let values = try file.floats(named: "x").array
        #expect(values == [1, -2, 0.5, 65504, Float(sign: .plus, exponent: -24, significand: 1), -0.0])
        #expect(values[5].sign == .minus)
        // Offsets that disagree with the shape: the tensor is named.
        let wrong = try Self.file(#"{"x":{"dtype":"F16","shape":[2,3],"data_offsets":[0,10]}}"#, Array(data.prefix(10)),
                                  name: "wrong.safetensors")
        #expect {
            _ = try SafetensorsFile(path: wrong).floats(named: "x")
        } throws: { error in
            guard case let .badTensor(p, tensor, _)? = error as? SafetensorsError else { return false }
            return p == wrong && tensor == "x"
        }
    }

    @Test func aBadIndexIsNamed() throws {
        let directory = try llmTemporaryDirectory() + "/bad-index"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let index = directory + "/model.safetensors.index.json"
        try Data(#"{"metadata":{},"weight_map":{"x":7}}"#.utf8).write(to: URL(fileURLWithPath: index))
        #expect(throws: SafetensorsError.badIndex(path: index, reason: "no \"weight_map\" object of strings")) {
            _ = try SafetensorsCheckpoint(directory: directory)
        }
    }

    @Test func errorsNameTheFile() throws {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tinyLlamaDirectory + "/llama3/model.safetensors")))
        let truncated = try writeTemporaryFile(Array(good[0..<(good.count - 10)]), name: "cut.safetensors")
        #expect(throws: SafetensorsError.self) { _ = try SafetensorsFile(path: truncated) }
        do {
            _ = try SafetensorsFile(path: truncated)
        } catch {
            #expect("\(error)".contains(truncated) && "\(error)".contains("truncated"))
        }
        let tiny = try writeTemporaryFile([1, 2, 3], name: "tiny.safetensors")
        #expect(throws: SafetensorsError.truncated(path: tiny, what: "the 8-byte header length")) {
            _ = try SafetensorsFile(path: tiny)
        }
        var header = Array("{not json}".utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        let garbage = try writeTemporaryFile(bytes, name: "garbage.safetensors")
        #expect(throws: SafetensorsError.badHeader(path: garbage, reason: "the header is not a JSON object")) {
            _ = try SafetensorsFile(path: garbage)
        }
        header = Array(#"{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#.utf8)
        bytes = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header + [UInt8](repeating: 0, count: 8)
        let ints = try writeTemporaryFile(bytes, name: "ints.safetensors")
        let file = try SafetensorsFile(path: ints)
        #expect(throws: SafetensorsError.unsupportedDType(path: ints, tensor: "x", dtype: "I64")) {
            _ = try file.floats(named: "x")
        }
        #expect(throws: SafetensorsError.missingTensor(path: ints, tensor: "y")) { _ = try file.floats(named: "y") }
    }
}
