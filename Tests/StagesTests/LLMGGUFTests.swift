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
        #expect(file.intArray("test.ints") == [1, -2, 3])
        #expect(file.floatArray("test.floats") == [0.5, 2.5])
        #expect(file["test.nested"]?.array?.map { $0.ints ?? [] } == [[1, 2], [3]])
        let tokens = try #require(file.stringArray("tokenizer.ggml.tokens"))
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

    @Test func corruptHeadersNameTheKeyOrTensor() throws {
        let odd = try writeTemporaryFile(GGUFBuilder.oneTensor(metadataType: 99), name: "type99.gguf")
        #expect(throws: GGUFError.unknownValueType(path: odd, key: "general.architecture", type: 99)) { _ = try GGUFFile(path: odd) }
        // Data offsets must be multiples of the alignment (32 by default) and inside the file.
        let misaligned = try writeTemporaryFile(GGUFBuilder.oneTensor(offset: 3), name: "misaligned.gguf")
        #expect(throws: GGUFError.badTensor(path: misaligned, tensor: "x", reason: "data offset 3 is misaligned or out of range")) {
            _ = try GGUFFile(path: misaligned)
        }
        let short = try writeTemporaryFile(GGUFBuilder.oneTensor(dataBytes: 64), name: "short.gguf")
        #expect {
            _ = try GGUFFile(path: short)
        } throws: { error in
            guard case let .truncated(path, _, needed, what)? = error as? GGUFError else { return false }
            return path == short && needed == 128 && what == "the data of tensor \"x\""
        }
    }

    @Test func missingFileIsAMappedFileError() {
        #expect(throws: MappedFileError.self) { _ = try GGUFFile(path: "/nonexistent/model.gguf") }
    }
}

@Suite("LLM GGUF layout")
struct LLMGGUFLayoutTests {
    @Test func generalAlignmentMovesTheDataOffset() throws {
        var b = GGUFBuilder()
        b.bytes += Array("GGUF".utf8)
        b.u32(3); b.u64(1); b.u64(1)
        b.string("general.alignment"); b.u32(4); b.u32(64)
        b.string("x"); b.u32(2); b.u64(32); b.u64(2); b.u32(8); b.u64(0)  // Q8_0, 2 rows of 32
        let headerEnd = b.bytes.count
        b.pad(to: 64)
        for row in 0..<2 {  // d = 0.5 (f16 0x3800), q = row * 32 + j - 32
            b.bytes += [0x00, 0x38] + (0..<32).map { UInt8(bitPattern: Int8(row * 32 + $0 - 32)) }
        }
        let path = try writeTemporaryFile(b.bytes, name: "aligned.gguf")
        let file = try GGUFFile(path: path)
        #expect(file.alignment == 64 && file.dataOffset == (headerEnd + 63) / 64 * 64 && file.dataOffset != headerEnd)
        let x = try file.floats(named: "x")
        #expect(x.shape == [2, 32])
        #expect(x.array == (0..<64).map { Float($0 - 32) * 0.5 })
    }
}

/// The real model, when scripts/fetch-smollm2 has put it in the cache (skipped otherwise).
private let smolLM2Path = (ProcessInfo.processInfo.environment["PIPE_MODELS"]
    ?? NSHomeDirectory() + "/.cache/pipe/models") + "/SmolLM2-135M-Instruct.Q4_1.gguf"

@Suite("LLM SmolLM2", .enabled(if: FileManager.default.fileExists(atPath: smolLM2Path)))
struct LLMSmolLM2Tests {
    @Test func loadsAndPredictsParis() throws {
        let gguf = try GGUFFile(path: smolLM2Path)
        #expect(Set(gguf.tensors.map(\.type.description)) == ["F32", "Q4_1", "Q8_0"])
        let config = try LlamaConfig(gguf: gguf)
        #expect(config == LlamaConfig(vocabularySize: 49152, hiddenSize: 576, intermediateSize: 1536, layerCount: 30,
                                      headCount: 9, keyValueHeadCount: 3, headDimension: 64, rmsNormEpsilon: 1e-5,
                                      ropeTheta: 100_000, tieWordEmbeddings: true, maxPositionEmbeddings: 8192))
        let vocabulary = try #require(gguf.stringArray("tokenizer.ggml.tokens"))
        let id = Dictionary(vocabulary.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let prompt = ["The", "Ġcapital", "Ġof", "ĠFrance", "Ġis"].map { id[$0]! }
        let model = try LlamaModel(ggufPath: smolLM2Path)
        var cache = model.makeCache()
        let logits = try model.prefill(prompt, cache: &cache)
        let top = logits.indices.max { logits[$0] < logits[$1] }!
        #expect(vocabulary[top] == "ĠParis")
    }
}
