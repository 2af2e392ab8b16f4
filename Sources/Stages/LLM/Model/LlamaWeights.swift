/// The weights of one transformer block, as Float32 row-major matrices (out, in) like PyTorch.
public struct LlamaLayerWeights: Sendable {
    /// input_layernorm / attn_norm (hidden).
    public let attentionNorm: Tensor
    /// q, k and v projections stacked: ((heads + 2 kvHeads) * headDim, hidden), rows in transformers' order.
    public let qkv: Tensor
    /// o_proj / attn_output (hidden, heads * headDim).
    public let attentionOutput: Tensor
    /// post_attention_layernorm / ffn_norm (hidden).
    public let feedForwardNorm: Tensor
    /// gate and up projections stacked: (2 * intermediate, hidden), gate rows first.
    public let gateUp: Tensor
    /// down_proj / ffn_down (hidden, intermediate).
    public let down: Tensor
}

/// All weights of a Llama model in Float32, with the output matrix shared when embeddings are tied.
public struct LlamaWeights: Sendable {
    /// embed_tokens / token_embd (vocabulary, hidden).
    public let embedding: Tensor
    public let layers: [LlamaLayerWeights]
    /// model.norm / output_norm (hidden).
    public let finalNorm: Tensor
    /// lm_head / output (vocabulary, hidden); the embedding itself when tied.
    public let output: Tensor

    /// Rows stacked into one matrix: the given (rows_i, cols) matrices one after another.
    static func stack(_ parts: [Tensor]) -> Tensor {
        let cols = parts[0].shape[1]
        let result = Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }, cols])
        var offset = 0
        for part in parts {
            (result.pointer + offset).update(from: part.pointer, count: part.count)
            offset += part.count
        }
        return result
    }

    /// Undoes llama.cpp's convert permutation of q/k rows (for interleaved rotary): GGUF row
    /// h*d + 2i + j holds transformers' row h*d + j*d/2 + i.
    static func unpermuteRotary(_ w: Tensor, heads: Int) -> Tensor {
        let rows = w.shape[0], cols = w.shape[1]
        let d = rows / heads, half = d / 2
        let result = Tensor(shape: w.shape)
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    let source = h * d + 2 * i + j, target = h * d + j * half + i
                    (result.pointer + target * cols).update(from: w.pointer + source * cols, count: cols)
                }
            }
        }
        return result
    }
}
