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
}
