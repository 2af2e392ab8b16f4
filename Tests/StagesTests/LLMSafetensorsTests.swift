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
