import Foundation

extension LlamaWeights {
    /// Loads transformers-named weights (model.layers.N.self_attn.q_proj.weight, ...) from a checkpoint.
    public init(safetensors checkpoint: SafetensorsCheckpoint, config c: LlamaConfig) throws {
        try self.init(source: checkpoint, config: c, permutedRotary: false, embedding: "model.embed_tokens.weight",
                      finalNorm: "model.norm.weight", output: c.tieWordEmbeddings ? nil : "lm_head.weight") { n in
            let p = "model.layers.\(n)."
            return LlamaLayerNames(
                attentionNorm: p + "input_layernorm.weight", q: p + "self_attn.q_proj.weight",
                k: p + "self_attn.k_proj.weight", v: p + "self_attn.v_proj.weight",
                attentionOutput: p + "self_attn.o_proj.weight", feedForwardNorm: p + "post_attention_layernorm.weight",
                gate: p + "mlp.gate_proj.weight", up: p + "mlp.up_proj.weight", down: p + "mlp.down_proj.weight")
        }
    }

    /// Loads llama.cpp-named weights (token_embd, blk.N.attn_q, ...) from a GGUF file, dequantized to
    /// Float32, with q and k rows put back in transformers' order.
    public init(gguf: GGUFFile, config c: LlamaConfig) throws {
        try self.init(source: gguf, config: c, permutedRotary: true, embedding: "token_embd.weight",
                      finalNorm: "output_norm.weight", output: "output.weight") { n in
            let p = "blk.\(n)."
            return LlamaLayerNames(
                attentionNorm: p + "attn_norm.weight", q: p + "attn_q.weight", k: p + "attn_k.weight",
                v: p + "attn_v.weight", attentionOutput: p + "attn_output.weight", feedForwardNorm: p + "ffn_norm.weight",
                gate: p + "ffn_gate.weight", up: p + "ffn_up.weight", down: p + "ffn_down.weight")
        }
    }

    /// Every weight decoded once, straight into its place: q, k and v into the rows of one stacked
    /// matrix, gate and up into another, GGUF's permuted q and k rows put back in order on the way.
    ///
    /// Why not load each tensor, then permute and stack copies: every fresh page costs a fault and
    /// the kernel's zeroing (under a hypervisor, the host's too), and the copies touched 1.2 GB of
    /// them for SmolLM2's 540 MB. All matrices lie in one arena on 2 MiB pages (`TensorArena`), and
    /// the pieces are decoded by `BLAS.threads` threads at once, each faulting in its own pages.
    /// `output` nil, or absent from the checkpoint: tied to the embedding.
    init(source: some WeightSource, config c: LlamaConfig, permutedRotary: Bool, embedding: String,
         finalNorm: String, output: String?, layerNames: (Int) -> LlamaLayerNames) throws {
        let (d, hd) = (c.hiddenSize, c.headDimension)
        var plan = WeightLoadPlan(source: source)
        let embeddingTensor = try plan.matrix([.init(embedding, rows: c.vocabularySize)], columns: d)
        let rotaryHeads = { (heads: Int) in permutedRotary ? heads : nil }
        var layers: [LlamaLayerWeights] = []
        for n in 0..<c.layerCount {
            let names = layerNames(n)
            layers.append(LlamaLayerWeights(
                attentionNorm: try plan.vector(names.attentionNorm, count: d),
                qkv: try plan.matrix([.init(names.q, rows: c.headCount * hd, rotaryHeads: rotaryHeads(c.headCount)),
                                      .init(names.k, rows: c.keyValueHeadCount * hd,
                                            rotaryHeads: rotaryHeads(c.keyValueHeadCount)),
                                      .init(names.v, rows: c.keyValueHeadCount * hd)], columns: d),
                attentionOutput: try plan.matrix([.init(names.attentionOutput, rows: d)], columns: c.headCount * hd),
                feedForwardNorm: try plan.vector(names.feedForwardNorm, count: d),
                gateUp: try plan.matrix([.init(names.gate, rows: c.intermediateSize),
                                         .init(names.up, rows: c.intermediateSize)], columns: d),
                down: try plan.matrix([.init(names.down, rows: d)], columns: c.intermediateSize)))
        }
        let finalNormTensor = try plan.vector(finalNorm, count: d)
        let outputTensor = try output.flatMap { source.contains($0) ? $0 : nil }
            .map { try plan.matrix([.init($0, rows: c.vocabularySize)], columns: d) }
        try plan.run(threads: BLAS.threads)
        self.init(embedding: embeddingTensor, layers: layers, finalNorm: finalNormTensor,
                  output: outputTensor ?? embeddingTensor)
    }
}

/// One layer's tensor names in a checkpoint's naming scheme.
struct LlamaLayerNames {
    var attentionNorm, q, k, v, attentionOutput, feedForwardNorm, gate, up, down: String
}
