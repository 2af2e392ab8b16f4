import Foundation
import Testing
@testable import Stages

/// GGUF row h*d + 2i + j holds transformers' row h*d + j*d/2 + i: the plain reference the load's
/// in-place unpermutation must match.
private func unpermuted(_ w: Tensor, heads: Int) -> [Float] {
    let (rows, columns) = (w.shape[0], w.shape[1])
    let (d, half) = (rows / heads, rows / heads / 2)
    var result = [Float](repeating: .nan, count: w.count)
    for h in 0..<heads {
        for i in 0..<half {
            for j in 0..<2 {
                let (stored, target) = (h * d + 2 * i + j, h * d + j * half + i)
                for c in 0..<columns { result[target * columns + c] = w[stored * columns + c] }
            }
        }
    }
    return result
}

@Suite("LLM weight loading")
struct WeightLoadPlanTests {
    /// Whatever the piece size and thread count, the stacked q, k, v matrix holds exactly what
    /// decoding each tensor whole, unpermuting q and k and stacking the three gives.
    @Test(arguments: [(1 << 20, 2), (256, 3), (128, 1), (96, 4)])
    func piecesDecodeIntoPlaceAsWholeTensorsWould(pieceBytes: Int, threads: Int) throws {
        for file in ["tied.f32.gguf", "tied.q8_0.gguf", "llama3.f16.gguf"] {
            let gguf = try GGUFFile(path: tinyLlamaDirectory + "/" + file)
            let c = try LlamaConfig(gguf: gguf)
            for layer in 0..<c.layerCount {
                let p = "blk.\(layer)."
                let (q, k, v) = (try gguf.floats(named: p + "attn_q.weight"), try gguf.floats(named: p + "attn_k.weight"),
                                 try gguf.floats(named: p + "attn_v.weight"))
                let expected = unpermuted(q, heads: c.headCount) + unpermuted(k, heads: c.keyValueHeadCount) + v.array
                var plan = WeightLoadPlan(source: gguf, pieceBytes: pieceBytes)
                let hd = c.headDimension
                let qkv = try plan.matrix([.init(p + "attn_q.weight", rows: c.headCount * hd, rotaryHeads: c.headCount),
                                           .init(p + "attn_k.weight", rows: c.keyValueHeadCount * hd,
                                                 rotaryHeads: c.keyValueHeadCount),
                                           .init(p + "attn_v.weight", rows: c.keyValueHeadCount * hd)],
                                          columns: c.hiddenSize)
                let norm = try plan.vector(p + "attn_norm.weight", count: c.hiddenSize)
                try plan.run(threads: threads)
                let same = qkv.array.map(\.bitPattern) == expected.map(\.bitPattern)
                #expect(same, "\(file) layer \(layer): the stacked q, k, v differ from the tensors decoded whole")
                #expect(norm.array == (try gguf.floats(named: p + "attn_norm.weight")).array)
            }
        }
    }

    /// The model loaded through the plan is the model: every matrix of both loaders equals the
    /// tensors decoded whole (stacked as the forward pass expects), and a tied output is the embedding.
    @Test func loadersStackGateUpAndTieTheOutput() throws {
        let directory = tinyLlamaDirectory + "/tied"
        let weights = try LlamaModel(directory: directory).weights
        let checkpoint = try SafetensorsCheckpoint(directory: directory)
        #expect(weights.output === weights.embedding)
        for (n, layer) in weights.layers.enumerated() {
            let p = "model.layers.\(n).mlp."
            let expected = try checkpoint.floats(named: p + "gate_proj.weight").array + checkpoint.floats(named: p + "up_proj.weight").array
            #expect(layer.gateUp.array == expected)
            #expect(layer.down.array == (try checkpoint.floats(named: p + "down_proj.weight")).array)
        }
        let llama3 = try LlamaModel(directory: tinyLlamaDirectory + "/llama3").weights
        #expect(llama3.output !== llama3.embedding)
        #expect(llama3.output.array == (try SafetensorsCheckpoint(directory: tinyLlamaDirectory + "/llama3")
            .floats(named: "lm_head.weight")).array)
    }

    /// A tensor of the wrong shape, or a missing one, is named before anything is decoded.
    @Test func errorsNameTheTensor() throws {
        let gguf = try GGUFFile(path: tinyLlamaDirectory + "/tied.f32.gguf")
        var plan = WeightLoadPlan(source: gguf)
        #expect(throws: LlamaError.shapeMismatch(path: gguf.path, tensor: "blk.0.attn_q.weight",
                                                 expected: [32, 31], found: [32, 32])) {
            _ = try plan.matrix([.init("blk.0.attn_q.weight", rows: 32)], columns: 31)
        }
        #expect(throws: GGUFError.missingTensor(path: gguf.path, tensor: "blk.9.attn_q.weight")) {
            _ = try plan.vector("blk.9.attn_q.weight", count: 32)
        }
    }
}
