import Foundation
import Testing
@testable import Stages

@Suite("LLM GGUF reader")
struct LLMGGUFTests {
    let path = tinyLlamaDirectory + "/tied.f32.gguf"

    @Test func readsEveryMetadataValueType() throws {
        let file = try GGUFFile(path: path)
        #expect(file.version == 3)
        #expect(file.alignment == 32)
        #expect(file.dataOffset % 32 == 0)
        #expect(file.string("general.architecture") == "llama")
        #expect(file["test.uint8"] == .uint8(200))
        #expect(file["test.int8"] == .int8(-100))
        #expect(file["test.uint16"] == .uint16(60000))
        #expect(file["test.int16"] == .int16(-30000))
        #expect(file.int("test.uint32") == 4_000_000_000)
        #expect(file.int("test.int32") == -2_000_000_000)
        #expect(file.float("test.float32") == 1.5)
        #expect(file.int("test.uint64") == 1 << 40)
        #expect(file.int("test.int64") == -(1 << 40))
        #expect(file["test.float64"] == .float64(0.1))
        #expect(file.bool("test.bool") == true)
        #expect(file.string("test.string") == "héllo")
        #expect(file.ints("test.ints") == [1, -2, 3])
        #expect(file.floats("test.floats") == [0.5, 2.5])
        #expect(file["test.nested"]?.array?.map { $0.ints ?? [] } == [[1, 2], [3]])
        let tokens = try #require(file.strings("tokenizer.ggml.tokens"))
        #expect(tokens.count == 128 && tokens[5] == "<t5>")
        #expect(file.int("llama.block_count") == 2)
    }

    @Test func tensorInfosAndData() throws {
        let file = try GGUFFile(path: path)
        let q = try #require(file.tensor(named: "blk.0.attn_q.weight"))
        #expect(q.type == .f32 && q.dimensions == [32, 32] && q.shape == [32, 32])
        let k = try #require(file.tensor(named: "blk.1.attn_k.weight"))
        #expect(k.shape == [16, 32] && k.byteCount == 16 * 32 * 4)
        #expect(file.tensors.allSatisfy { ($0.fileOffset - file.dataOffset) % file.alignment == 0 })
        #expect(file.tensor(named: "output.weight") == nil)
        let norm = try file.floats(named: "output_norm.weight")
        #expect(norm.shape == [32] && norm.array.allSatisfy { $0.isFinite && $0 != 0 })
        let q8 = try GGUFFile(path: tinyLlamaDirectory + "/tied.q8_0.gguf")
        #expect(q8.tensor(named: "token_embd.weight")?.type == .q8_0)
    }

    @Test(arguments: ["F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"])
    func dequantizationMatchesTheGGUFPackage(type name: String) throws {
        let types: [String: GGMLType] = ["F16": .f16, "BF16": .bf16, "Q8_0": .q8_0, "Q4_0": .q4_0, "Q4_1": .q4_1,
                                         "Q5_0": .q5_0, "Q5_1": .q5_1, "Q4_K": .q4_K, "Q5_K": .q5_K, "Q6_K": .q6_K]
        let type = try #require(types[name])
        let raw = try Data(contentsOf: URL(fileURLWithPath: tinyLlamaDirectory + "/dequant/\(name).bin"))
        let expectedData = try Data(contentsOf: URL(fileURLWithPath: tinyLlamaDirectory + "/dequant/\(name).f32"))
        let expected = expectedData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(type.byteCount(elements: expected.count) == raw.count)
        let out = Tensor(shape: [expected.count])
        raw.withUnsafeBytes { GGUFDequantizer.dequantize(type, $0.baseAddress!, count: expected.count, into: out.pointer) }
        #expect(out.array == expected, "\(name): max diff \(maxAbsDifference(out.array, expected))")
    }

    @Test func truncatedFileNamesTheFileAndWhatIsMissing() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for cut in [2, 20, 200, bytes.count - 100] {
            let truncated = try writeTemporaryFile(Array(bytes[0..<cut]), name: "cut.gguf")
            #expect {
                _ = try GGUFFile(path: truncated)
            } throws: { error in
                guard case .truncated(let p, _, _, _)? = error as? GGUFError else { return false }
                return p == truncated && "\(error)".contains("truncated")
            }
        }
    }

    @Test func badMagicAndUnknownVersion() throws {
        var bytes = GGUFBuilder.oneTensor()
        bytes[0] = UInt8(ascii: "X")
        let bad = try writeTemporaryFile(bytes, name: "bad.gguf")
        #expect(throws: GGUFError.badMagic(path: bad, found: 0x4655_4758)) { _ = try GGUFFile(path: bad) }
        let future = try writeTemporaryFile(GGUFBuilder.oneTensor(version: 99), name: "v99.gguf")
        #expect(throws: GGUFError.unsupportedVersion(path: future, version: 99)) { _ = try GGUFFile(path: future) }
        let ok = try writeTemporaryFile(GGUFBuilder.oneTensor(), name: "ok.gguf")
        #expect(try GGUFFile(path: ok).floats(named: "x").count == 32)
    }

    @Test func unknownAndUnsupportedTensorTypesNameTheTensor() throws {
        let unknown = try writeTemporaryFile(GGUFBuilder.oneTensor(type: 77), name: "t77.gguf")
        #expect(throws: GGUFError.unknownTensorType(path: unknown, tensor: "x", type: 77)) { _ = try GGUFFile(path: unknown) }
        // IQ4_NL (20): known layout, no dequantizer.
        let iq = try writeTemporaryFile(GGUFBuilder.oneTensor(type: 20, dataBytes: 32), name: "iq.gguf")
        let file = try GGUFFile(path: iq)
        #expect(throws: GGUFError.unsupportedTensorType(path: iq, tensor: "x", type: "IQ4_NL")) {
            _ = try file.floats(named: "x")
        }
        #expect(throws: GGUFError.missingTensor(path: iq, tensor: "y")) { _ = try file.floats(named: "y") }
    }

    @Test func missingFileIsAMappedFileError() {
        #expect(throws: MappedFileError.self) { _ = try GGUFFile(path: "/nonexistent/model.gguf") }
    }
}
