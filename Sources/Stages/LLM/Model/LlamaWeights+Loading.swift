extension LlamaWeights {
    /// Loads transformers-named weights (model.layers.N.self_attn.q_proj.weight, ...) from a checkpoint.
    public init(safetensors checkpoint: SafetensorsCheckpoint, config c: LlamaConfig) throws {
        let path = checkpoint.directory
        func load(_ name: String, _ shape: [Int]) throws -> Tensor {
            let t = try checkpoint.floats(named: name)
            guard t.shape == shape else { throw LlamaError.shapeMismatch(path: path, tensor: name, expected: shape, found: t.shape) }
            return t
        }
        let (d, hd) = (c.hiddenSize, c.headDimension)
        embedding = try load("model.embed_tokens.weight", [c.vocabularySize, d])
        layers = try (0..<c.layerCount).map { n in
            let p = "model.layers.\(n)."
            return LlamaLayerWeights(
                attentionNorm: try load(p + "input_layernorm.weight", [d]),
                qkv: LlamaWeights.stack([try load(p + "self_attn.q_proj.weight", [c.headCount * hd, d]),
                                         try load(p + "self_attn.k_proj.weight", [c.keyValueHeadCount * hd, d]),
                                         try load(p + "self_attn.v_proj.weight", [c.keyValueHeadCount * hd, d])]),
                attentionOutput: try load(p + "self_attn.o_proj.weight", [d, c.headCount * hd]),
                feedForwardNorm: try load(p + "post_attention_layernorm.weight", [d]),
                gateUp: LlamaWeights.stack([try load(p + "mlp.gate_proj.weight", [c.intermediateSize, d]),
                                            try load(p + "mlp.up_proj.weight", [c.intermediateSize, d])]),
                down: try load(p + "mlp.down_proj.weight", [d, c.intermediateSize]))
        }
        finalNorm = try load("model.norm.weight", [d])
        if c.tieWordEmbeddings || checkpoint.tensor(named: "lm_head.weight") == nil {
            output = embedding
        } else {
            output = try load("lm_head.weight", [c.vocabularySize, d])
        }
    }

    /// Loads llama.cpp-named weights (token_embd, blk.N.attn_q, ...) from a GGUF file, dequantized to
    /// Float32, with q and k rows put back in transformers' order.
    public init(gguf: GGUFFile, config c: LlamaConfig) throws {
        func load(_ name: String, _ shape: [Int]) throws -> Tensor {
            let t = try gguf.floats(named: name)
            guard t.shape == shape else {
                throw LlamaError.shapeMismatch(path: gguf.path, tensor: name, expected: shape, found: t.shape)
            }
            return t
        }
        let (d, hd) = (c.hiddenSize, c.headDimension)
        embedding = try load("token_embd.weight", [c.vocabularySize, d])
        layers = try (0..<c.layerCount).map { n in
            let p = "blk.\(n)."
            let q = LlamaWeights.unpermuteRotary(try load(p + "attn_q.weight", [c.headCount * hd, d]), heads: c.headCount)
            let k = LlamaWeights.unpermuteRotary(try load(p + "attn_k.weight", [c.keyValueHeadCount * hd, d]),
                                                 heads: c.keyValueHeadCount)
            return LlamaLayerWeights(
                attentionNorm: try load(p + "attn_norm.weight", [d]),
                qkv: LlamaWeights.stack([q, k, try load(p + "attn_v.weight", [c.keyValueHeadCount * hd, d])]),
                attentionOutput: try load(p + "attn_output.weight", [d, c.headCount * hd]),
                feedForwardNorm: try load(p + "ffn_norm.weight", [d]),
                gateUp: LlamaWeights.stack([try load(p + "ffn_gate.weight", [c.intermediateSize, d]),
                                            try load(p + "ffn_up.weight", [c.intermediateSize, d])]),
                down: try load(p + "ffn_down.weight", [d, c.intermediateSize]))
        }
        finalNorm = try load("output_norm.weight", [d])
        output = gguf.tensor(named: "output.weight") == nil ? embedding : try load("output.weight", [c.vocabularySize, d])
    }
}
