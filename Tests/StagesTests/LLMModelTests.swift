import Foundation
import Testing
@testable import Stages

/// Checks every reference sequence of `reference` against `model`: all positions from one prefill.
private func expectMatchesReference(_ model: LlamaModel, _ reference: String, tolerance: Float = 1e-4) throws {
    for sequence in try referenceLogits(reference) {
        let logits = try model.logits(sequence.tokens)
        let rows = sequence.lastOnly ? [sequence.tokens.count - 1] : Array(sequence.tokens.indices)
        for (i, r) in rows.enumerated() {
            let diff = maxAbsDifference(row(logits, r), sequence.logits[i])
            #expect(diff < tolerance, "\(reference) from \(model.source): tokens \(sequence.tokens) position \(r): \(diff)")
        }
    }
}

@Suite("LLM Llama model")
struct LLMModelTests {
    @Test func configFromConfigJSON() throws {
        let tied = try LlamaConfig(configJSON: tinyLlamaDirectory + "/tied/config.json")
        #expect(tied.hiddenSize == 32 && tied.layerCount == 2 && tied.headCount == 4 && tied.keyValueHeadCount == 2)
        #expect(tied.headDimension == 8 && tied.tieWordEmbeddings && tied.ropeScaling == nil && tied.ropeTheta == 10000)
        let llama3 = try LlamaConfig(configJSON: tinyLlamaDirectory + "/llama3/config.json")
        #expect(!llama3.tieWordEmbeddings)
        #expect(llama3.ropeScaling == RopeScaling(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4,
                                                  originalMaxPositionEmbeddings: 16))
        let gguf = try LlamaConfig(gguf: GGUFFile(path: tinyLlamaDirectory + "/tied.f32.gguf"))
        #expect(gguf.hiddenSize == tied.hiddenSize && gguf.intermediateSize == tied.intermediateSize
                && gguf.vocabularySize == 128 && gguf.tieWordEmbeddings && gguf.rmsNormEpsilon == tied.rmsNormEpsilon)
    }

    /// The weight GEMMs' columns and attention's (sequence, head, chunk) items are split between
    /// workers: a given worker count gives bit-identical logits run after run (the stages fix it at 2),
    /// and other counts differ only by rounding (OpenBLAS's kernels treat edge columns their own way).
    @Test func logitsAreDeterministicForAWorkerCount() throws {
        let model = try LlamaModel(ggufPath: tinyLlamaDirectory + "/llama3.f16.gguf")
        let tokens = (0..<150).map { ($0 * 37 + 5) % model.config.vocabularySize }  // three attention chunks
        func run(_ threads: Int) throws -> (all: [Float], steps: [Float], step: [Float]) {
            var cache = model.makeCache()
            let all = try model.forward(tokens, cache: &cache, logits: .all, threads: threads).array
            var forks = [KVCache](repeating: cache, count: 5)
            let steps = try model.step([1, 2, 3, 4, 5], caches: &forks, threads: threads).array
            return (all, steps, try model.step(7, cache: &cache, threads: threads))
        }
        let single = try run(1)
        for threads in [2, 3] {
            let first = try run(threads), second = try run(threads)
            #expect(first.all == second.all && first.steps == second.steps && first.step == second.step)
            #expect(maxAbsDifference(first.all, single.all) < 1e-5)
            #expect(maxAbsDifference(first.steps, single.steps) < 1e-5)
            #expect(maxAbsDifference(first.step, single.step) < 1e-5)
        }
    }

    @Test func safetensorsLogitsMatchTransformers() throws {
        try expectMatchesReference(LlamaModel(directory: tinyLlamaDirectory + "/tied"), "tied")
        try expectMatchesReference(LlamaModel(directory: tinyLlamaDirectory + "/llama3"), "llama3")
    }

    @Test func ggufLogitsMatchTransformers() throws {
        try expectMatchesReference(LlamaModel(ggufPath: tinyLlamaDirectory + "/tied.f32.gguf"), "tied")
        try expectMatchesReference(LlamaModel(ggufPath: tinyLlamaDirectory + "/tied.q8_0.gguf"), "tied.q8_0")
        try expectMatchesReference(LlamaModel(ggufPath: tinyLlamaDirectory + "/llama3.f16.gguf"), "llama3")
    }

    @Test func huggingFaceCacheLayout() throws {
        let hub = try llmTemporaryDirectory() + "/hub"
        let repo = hub + "/models--tiny--llama"
        let snapshot = repo + "/snapshots/0123abcd"
        let manager = FileManager.default
        try manager.createDirectory(atPath: repo + "/refs", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        try "0123abcd".write(toFile: repo + "/refs/main", atomically: true, encoding: .utf8)
        for name in try manager.contentsOfDirectory(atPath: tinyLlamaDirectory + "/tied") {
            try manager.createSymbolicLink(atPath: snapshot + "/" + name, withDestinationPath: tinyLlamaDirectory + "/tied/" + name)
        }
        #expect(try HuggingFaceHub.snapshotDirectory(name: "tiny/llama", cacheDirectory: hub) == snapshot)
        #expect(HuggingFaceHub.cacheDirectory(environment: ["HF_HOME": "/x"]) == "/x/hub")
        #expect(HuggingFaceHub.cacheDirectory(environment: ["HOME": "/h"]) == "/h/.cache/huggingface/hub")
        let model = try LlamaModel(huggingFace: "tiny/llama", cacheDirectory: hub)
        try expectMatchesReference(model, "tied")
        #expect(throws: LlamaError.self) { _ = try LlamaModel(huggingFace: "tiny/absent", cacheDirectory: hub) }
    }

    @Test func missingTensorAndBadTokenAreTypedErrors() throws {
        let dir = try llmTemporaryDirectory()
        try FileManager.default.copyItem(atPath: tinyLlamaDirectory + "/llama3/config.json", toPath: dir + "/config.json")
        // A checkpoint without lm_head but with tie_word_embeddings false falls back to tying; drop a layer tensor instead.
        let source = try SafetensorsFile(path: tinyLlamaDirectory + "/llama3/model.safetensors")
        var header: [String: Any] = [:]
        var data: [UInt8] = []
        for (name, info) in source.tensors where name != "model.layers.1.mlp.up_proj.weight" {
            header[name] = ["dtype": info.dtype, "shape": info.shape, "data_offsets": [data.count, data.count + info.byteCount]]
            data += Array(source.data(of: info))
        }
        let json = try JSONSerialization.data(withJSONObject: header)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        try Data(bytes + json + data).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
        #expect(throws: SafetensorsError.missingTensor(path: dir, tensor: "model.layers.1.mlp.up_proj.weight")) {
            _ = try LlamaModel(directory: dir)
        }
        let model = try LlamaModel(ggufPath: tinyLlamaDirectory + "/tied.f32.gguf")
        var cache = model.makeCache()
        #expect(throws: LlamaError.tokenOutOfRange(token: 128, vocabularySize: 128)) {
            _ = try model.prefill([1, 128], cache: &cache)
        }
        #expect(cache.count == 0)
    }

    @Test func incrementalDecodeEqualsPrefillAtEveryPosition() throws {
        let model = try LlamaModel(ggufPath: tinyLlamaDirectory + "/llama3.f16.gguf")
        // 150 positions: the prefill's attention runs in query chunks of 64 (LlamaModel.attentionChunk).
        let tokens = (0..<150).map { ($0 * 37 + 11) % 128 }
        let full = try model.logits(tokens)
        for blockSize in [1, 16, 64] {
            var cache = model.makeCache(blockSize: blockSize)
            // A 7-token prefill, a 5-token chunk, a 70-token chunk, then one token at a time.
            var position = 0
            for chunk in [7, 5, 70] + [Int](repeating: 1, count: tokens.count - 82) {
                let logits = try model.forward(Array(tokens[position..<position + chunk]), cache: &cache, logits: .all)
                for i in 0..<chunk {
                    let diff = maxAbsDifference(row(logits, i), row(full, position + i))
                    #expect(diff < 1e-4, "block \(blockSize) position \(position + i): \(diff)")
                }
                position += chunk
            }
            #expect(cache.count == tokens.count)
        }
    }

    @Test func forkedCachesAreIndependent() throws {
        let model = try LlamaModel(directory: tinyLlamaDirectory + "/tied")
        var prefix = model.makeCache(blockSize: 4)
        _ = try model.prefill([1, 5, 9, 100, 17, 42], cache: &prefix)  // 1.5 blocks: the last is shared and partial
        var a = prefix.fork(), b = prefix
        let a1 = try model.step(3, cache: &a)
        let b1 = try model.step(7, cache: &b)
        let a2 = try model.step(127, cache: &a)
        let again = try model.step(3, cache: &prefix)
        #expect(a1 == again)  // the prefix was not changed by its forks
        #expect(a.count == 8 && b.count == 7 && prefix.count == 7)
        // Each fork equals a fresh run of its own tokens.
        #expect(maxAbsDifference(b1, row(try model.logits([1, 5, 9, 100, 17, 42, 7]), 6)) < 1e-4)
        #expect(maxAbsDifference(a2, row(try model.logits([1, 5, 9, 100, 17, 42, 3, 127]), 7)) < 1e-4)
        var c = a
        c.truncate(to: 6)
        #expect(try model.step(7, cache: &c) == b1)
    }

    @Test func batchedStepsOverForksMatchSingleSteps() throws {
        let model = try LlamaModel(ggufPath: tinyLlamaDirectory + "/llama3.f16.gguf")
        var prompt = model.makeCache(blockSize: 4)
        _ = try model.prefill([1, 5, 9, 100, 17], cache: &prompt)
        // A trie level: ten children of the prompt in one batched step, then their children.
        var children = [KVCache](repeating: prompt, count: 10)
        let level1 = try model.step(Array(30..<40), caches: &children)
        #expect(level1.shape == [10, 128] && prompt.count == 5 && children.allSatisfy { $0.count == 6 })
        var grandchildren = children.flatMap { [$0, $0] }
        let level2 = try model.step((0..<20).map { 50 + $0 }, caches: &grandchildren)
        for i in [0, 3, 9] {
            var single = prompt
            #expect(maxAbsDifference(try model.step(30 + i, cache: &single), row(level1, i)) < 1e-4)
            #expect(maxAbsDifference(try model.step(50 + 2 * i + 1, cache: &single), row(level2, 2 * i + 1)) < 1e-4)
        }
        // Sequences of different lengths in one batch, all positions' logits.
        var mixed = [prompt, model.makeCache()]
        let rows = try model.forward(batch: [[7, 8, 9], [1, 5]], caches: &mixed, logits: .all)
        #expect(rows.shape == [5, 128])
        let alone = try model.logits([1, 5, 9, 100, 17, 7, 8, 9])
        for i in 0..<3 { #expect(maxAbsDifference(row(rows, i), row(alone, 5 + i)) < 1e-4) }
        #expect(maxAbsDifference(row(rows, 4), row(alone, 1)) < 1e-4)
    }

    /// PrefixForks runs the same arithmetic as batched steps over forked KVCaches (the same GEMMs,
    /// rows and attention calls), so its logits are equal bit for bit, a level at a time, with parents
    /// of different depths in one step.
    @Test func prefixForksEqualForkedCachesBitForBit() throws {
        let model = try LlamaModel(ggufPath: tinyLlamaDirectory + "/llama3.f16.gguf")
        var prompt = model.makeCache(blockSize: 4)
        _ = try model.prefill([1, 5, 9, 100, 17, 42, 8], cache: &prompt)
        let forks = PrefixForks(model: model, prompt: prompt)
        func collect(_ tokens: [Int], after parents: [Int], logitRows: Int = 128) throws -> (ids: [Int], logits: [Float]) {
            var logits: [Float] = []
            let ids = try forks.step(tokens, after: parents, logitRows: logitRows) { first, rows in
                #expect(first * model.config.vocabularySize == logits.count)
                logits += rows.array
            }
            return (ids, logits)
        }
        var level1Caches = [KVCache](repeating: prompt, count: 6)
        let level1 = try collect(Array(30..<36), after: [Int](repeating: PrefixForks.prompt, count: 6))
        #expect(level1.logits == (try model.step(Array(30..<36), caches: &level1Caches)).array)
        #expect(level1.ids == Array(0..<6) && forks.nodeCount == 6)
        // Children of three level-1 nodes and two more children of the prompt, in one step.
        let parents = [level1.ids[0], level1.ids[0], level1.ids[2], PrefixForks.prompt, level1.ids[5], PrefixForks.prompt]
        let tokens = [50, 51, 52, 53, 54, 55]
        var caches = parents.map { $0 == PrefixForks.prompt ? prompt : level1Caches[$0] }
        let level2 = try collect(tokens, after: parents)
        #expect(level2.logits == (try model.step(tokens, caches: &caches)).array)
        // A third level under a depth-2 node, and logits handed over two rows at a time (OpenBLAS's
        // small-matrix kernel may round the last rows of a slice its own way: a tolerance here).
        let deeper = [level2.ids[0], level2.ids[0], level2.ids[2]]
        var deeperCaches = [caches[0], caches[0], caches[2]]
        let level3 = try collect([60, 61, 62], after: deeper, logitRows: 2)
        #expect(maxAbsDifference(level3.logits, (try model.step([60, 61, 62], caches: &deeperCaches)).array) < 1e-5)
        #expect(prompt.count == 7 && forks.nodeCount == 15)
        // Parents within the same step: a node attends to keys and values made earlier in its own pass.
        let together = PrefixForks(model: model, prompt: prompt)
        var rows: [Float] = []
        let ids = try together.step([30, 31, 50, 51, 60], after: [PrefixForks.prompt, PrefixForks.prompt, 0, 0, 2]) { _, logits in
            rows += logits.array
        }
        #expect(ids == Array(0..<5))
        var chain = [prompt, prompt]
        let first = try model.step([30, 31], caches: &chain).array
        var second = [chain[0], chain[0]]
        let children = try model.step([50, 51], caches: &second).array
        var third = [second[0]]
        let grandchild = try model.step([60], caches: &third).array
        #expect(maxAbsDifference(rows, first + children + grandchild) < 1e-5)
    }

    /// A step of more rows than forEachRowRange keeps on one thread: the norms, rotary and SwiGLU
    /// split between two workers give the same bits as the batched step over forked KVCaches.
    @Test func prefixForksSplitRowPassesKeepTheBits() throws {
        let model = try LlamaModel(ggufPath: tinyLlamaDirectory + "/llama3.f16.gguf")
        var prompt = model.makeCache(blockSize: 4)
        _ = try model.prefill([1, 5, 9, 100, 17, 42, 8], cache: &prompt)
        let forks = PrefixForks(model: model, prompt: prompt)
        let tokens = (0..<150).map { ($0 * 37 + 11) % model.config.vocabularySize }
        var logits: [Float] = []
        _ = try forks.step(tokens, after: [Int](repeating: PrefixForks.prompt, count: tokens.count), threads: 2,
                           logitRows: 256) { _, rows in logits += rows.array }
        var caches = [KVCache](repeating: prompt, count: tokens.count)
        #expect(logits == (try model.step(tokens, caches: &caches, threads: 2)).array)
    }

    @Test func prefillIsDeterministic() throws {
        let model = try LlamaModel(ggufPath: tinyLlamaDirectory + "/tied.q8_0.gguf")
        let tokens = (0..<50).map { ($0 * 13 + 5) % 128 }
        let first = try model.logits(tokens, threads: 2).array
        for _ in 0..<3 { #expect(try model.logits(tokens, threads: 2).array == first) }
    }
}
