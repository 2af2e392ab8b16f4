import Foundation

// The parts of a decoder layer that do not depend on how keys and values are kept: norms, the
// weight GEMMs, rotary and the SwiGLU feed-forward. LlamaModel.forward (a KVCache per sequence) and
// PrefixForks (a shared prompt and a trie of nodes) differ only in attention, so both run these.
// Per-row passes split their rows between the workers (forEachRowRange): a row depends on itself
// only, so the bits are the same for any split.

/// The activations of `count` rows through a decoder layer, one buffer per stage of it.
struct DecoderActivations {
    let count: Int
    /// The residual stream (count, hidden).
    let x: Tensor
    /// Normalized rows (count, hidden).
    let xn: Tensor
    /// q, k and v of each row (count, (heads + 2 kvHeads) * headDim).
    let qkv: Tensor
    /// Attention outputs (count, heads * headDim), written by the caller's attention.
    let attention: Tensor
    /// Gate and up projections (count, 2 * intermediate).
    let gateUp: Tensor
    /// SwiGLU outputs (count, intermediate).
    let hidden: Tensor

    init(count: Int, config c: LlamaConfig) {
        self.count = count
        x = Tensor(shape: [count, c.hiddenSize]); xn = Tensor(shape: [count, c.hiddenSize])
        qkv = Tensor(shape: [count, (c.headCount + 2 * c.keyValueHeadCount) * c.headDimension])
        attention = Tensor(shape: [count, c.headCount * c.headDimension])
        gateUp = Tensor(shape: [count, 2 * c.intermediateSize]); hidden = Tensor(shape: [count, c.intermediateSize])
    }
}

extension LlamaModel {
    /// x = the tokens' embedding rows.
    func embed(_ tokens: [Int], into a: DecoderActivations) {
        let d = config.hiddenSize
        for (t, token) in tokens.enumerated() {
            (a.x.pointer + t * d).update(from: weights.embedding.pointer + token * d, count: d)
        }
    }

    /// qkv = RMSNorm(x) Wqkv^T, then rotary on every q and k head at each row's position (its row of
    /// the cos and sin tables).
    func projectQKV(_ layer: LlamaLayerWeights, _ a: DecoderActivations, cosines: Tensor, sines: Tensor, workers: Int) {
        let c = config
        let (d, hd, half) = (c.hiddenSize, c.headDimension, c.headDimension / 2)
        let width = (c.headCount + 2 * c.keyValueHeadCount) * hd
        normalize(a, layer.attentionNorm, workers: workers)
        linear(a.xn.pointer, layer.qkv.pointer, a.qkv.pointer, m: a.count, n: width, k: d, workers: workers)
        forEachRowRange(a.count, workers: workers) { rows in
            for t in rows {
                let row = a.qkv.pointer + t * width
                for h in 0..<(c.headCount + c.keyValueHeadCount) {
                    applyRotary(row + h * hd, cos: cosines.pointer + t * half, sin: sines.pointer + t * half, half: half)
                }
            }
        }
    }

    /// x += attention Wo^T (the residual, through beta = 1), then x += the SwiGLU feed-forward of RMSNorm(x).
    func finishLayer(_ layer: LlamaLayerWeights, _ a: DecoderActivations, workers: Int) {
        let c = config
        let (d, ff) = (c.hiddenSize, c.intermediateSize)
        linear(a.attention.pointer, layer.attentionOutput.pointer, a.x.pointer, m: a.count, n: d,
               k: c.headCount * c.headDimension, beta: 1, workers: workers)
        normalize(a, layer.feedForwardNorm, workers: workers)
        linear(a.xn.pointer, layer.gateUp.pointer, a.gateUp.pointer, m: a.count, n: 2 * ff, k: d, workers: workers)
        forEachRowRange(a.count, workers: workers) { rows in
            for t in rows {
                let row = a.gateUp.pointer + t * 2 * ff
                swiGLU(gate: row, up: row + ff, a.hidden.pointer + t * ff, count: ff)
            }
        }
        linear(a.hidden.pointer, layer.down.pointer, a.x.pointer, m: a.count, n: d, k: ff, beta: 1, workers: workers)
    }

    /// xn = RMSNorm(x) with `weight`, every row.
    func normalize(_ a: DecoderActivations, _ weight: Tensor, workers: Int) {
        let (d, epsilon) = (config.hiddenSize, config.rmsNormEpsilon)
        forEachRowRange(a.count, workers: workers) { rows in
            for t in rows {
                rmsNorm(a.x.pointer + t * d, weight.pointer, a.xn.pointer + t * d, count: d, epsilon: epsilon)
            }
        }
    }
}
