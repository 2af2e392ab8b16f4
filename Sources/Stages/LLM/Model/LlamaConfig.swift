import Foundation

/// The hyperparameters of a Llama-family model (the fields of transformers' LlamaConfig pipe uses).
public struct LlamaConfig: Sendable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var keyValueHeadCount: Int
    public var headDimension: Int
    public var rmsNormEpsilon: Float
    public var ropeTheta: Double
    public var ropeScaling: RopeScaling?
    public var tieWordEmbeddings: Bool
    public var maxPositionEmbeddings: Int

    public init(vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int,
                keyValueHeadCount: Int, headDimension: Int? = nil, rmsNormEpsilon: Float = 1e-5,
                ropeTheta: Double = 10000, ropeScaling: RopeScaling? = nil, tieWordEmbeddings: Bool = false,
                maxPositionEmbeddings: Int = 2048) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.keyValueHeadCount = keyValueHeadCount
        self.headDimension = headDimension ?? hiddenSize / max(headCount, 1)
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.tieWordEmbeddings = tieWordEmbeddings
        self.maxPositionEmbeddings = maxPositionEmbeddings
    }

    /// Query heads per key/value head.
    public var groupSize: Int { headCount / keyValueHeadCount }

    /// Throws `LlamaError.badConfig` (naming `path`) when the sizes are inconsistent.
    public func validate(path: String) throws(LlamaError) {
        let sizes = [vocabularySize, hiddenSize, intermediateSize, layerCount, headCount, keyValueHeadCount, headDimension]
        guard sizes.allSatisfy({ $0 > 0 }) else { throw .badConfig(path: path, reason: "a size is zero or negative") }
        guard headCount % keyValueHeadCount == 0 else {
            throw .badConfig(path: path, reason: "\(headCount) heads is not a multiple of \(keyValueHeadCount) key/value heads")
        }
        guard headDimension % 2 == 0 else { throw .badConfig(path: path, reason: "head dimension \(headDimension) is odd") }
    }

    /// The RoPE inverse frequencies (head_dim / 2 of them), with Llama 3 scaling when configured.
    public var inverseFrequencies: [Float] {
        // As transformers: base ** (arange(0, dim, 2) / dim) in Float, then 1 / that.
        let base = Float(ropeTheta)
        let plain = stride(from: 0, to: headDimension, by: 2).map { i -> Float in
            1 / Float(Foundation.pow(Double(base), Double(Float(i) / Float(headDimension))))
        }
        return ropeScaling?.apply(to: plain) ?? plain
    }

    /// Reads a Hugging Face config.json; throws naming the file and the missing or invalid field.
    public init(configJSON path: String) throws(LlamaError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badConfig(path: path, reason: "the file cannot be read")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .badConfig(path: path, reason: "not a JSON object")
        }
        func int(_ key: String) throws(LlamaError) -> Int {
            guard let value = json[key] as? NSNumber else { throw .badConfig(path: path, reason: "\"\(key)\" is missing") }
            return value.intValue
        }
        if let type = json["model_type"] as? String, !["llama", "mistral"].contains(type) {
            throw .unsupportedArchitecture(path: path, architecture: type)
        }
        let heads = try int("num_attention_heads")
        var scaling: RopeScaling?
        // transformers < 5 writes rope_theta and rope_scaling; 5 writes rope_parameters holding both.
        let rope = json["rope_scaling"] as? [String: Any] ?? json["rope_parameters"] as? [String: Any]
        let theta = (json["rope_theta"] as? NSNumber ?? rope?["rope_theta"] as? NSNumber)?.doubleValue ?? 10000
        if let rope {
            let type = rope["rope_type"] as? String ?? rope["type"] as? String ?? "default"
            switch type {
            case "default": break
            case "llama3":
                guard let factor = rope["factor"] as? NSNumber, let low = rope["low_freq_factor"] as? NSNumber,
                      let high = rope["high_freq_factor"] as? NSNumber,
                      let original = rope["original_max_position_embeddings"] as? NSNumber else {
                    throw .badConfig(path: path, reason: "rope_scaling llama3 lacks factor, low_freq_factor, "
                                     + "high_freq_factor or original_max_position_embeddings")
                }
                scaling = RopeScaling(factor: factor.doubleValue, lowFrequencyFactor: low.doubleValue,
                                      highFrequencyFactor: high.doubleValue,
                                      originalMaxPositionEmbeddings: original.intValue)
            default:
                throw .badConfig(path: path, reason: "rope_scaling type \"\(type)\" is not supported (only llama3)")
            }
        }
        self.init(vocabularySize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
                  intermediateSize: try int("intermediate_size"), layerCount: try int("num_hidden_layers"),
                  headCount: heads,
                  keyValueHeadCount: (json["num_key_value_heads"] as? NSNumber)?.intValue ?? heads,
                  headDimension: (json["head_dim"] as? NSNumber)?.intValue,
                  rmsNormEpsilon: (json["rms_norm_eps"] as? NSNumber)?.floatValue ?? 1e-6,
                  ropeTheta: theta,
                  ropeScaling: scaling,
                  tieWordEmbeddings: (json["tie_word_embeddings"] as? NSNumber)?.boolValue ?? false,
                  maxPositionEmbeddings: (json["max_position_embeddings"] as? NSNumber)?.intValue ?? 2048)
        try validate(path: path)
    }

    /// Reads the llama.* metadata of a GGUF file. Llama 3 scaling is carried by the rope_freqs tensor
    /// instead (see LlamaWeights), so `ropeScaling` stays nil.
    public init(gguf: GGUFFile) throws {
        let arch = try gguf.requiredString("general.architecture")
        guard arch == "llama" else { throw LlamaError.unsupportedArchitecture(path: gguf.path, architecture: arch) }
        let hidden = try gguf.requiredInt("llama.embedding_length")
        let heads = try gguf.requiredInt("llama.attention.head_count")
        var vocabulary = gguf.int("llama.vocab_size") ?? gguf.metadata["tokenizer.ggml.tokens"]?.array?.count
        if vocabulary == nil { vocabulary = gguf.tensor(named: "token_embd.weight")?.dimensions.last }
        guard let vocabulary else { throw GGUFError.missingMetadata(path: gguf.path, key: "llama.vocab_size") }
        let headDimension = gguf.int("llama.attention.key_length") ?? gguf.int("llama.rope.dimension_count")
        self.init(vocabularySize: vocabulary, hiddenSize: hidden,
                  intermediateSize: try gguf.requiredInt("llama.feed_forward_length"),
                  layerCount: try gguf.requiredInt("llama.block_count"), headCount: heads,
                  keyValueHeadCount: gguf.int("llama.attention.head_count_kv") ?? heads,
                  headDimension: headDimension ?? hidden / heads,
                  rmsNormEpsilon: try gguf.requiredFloat("llama.attention.layer_norm_rms_epsilon"),
                  ropeTheta: Double(gguf.float("llama.rope.freq_base") ?? 10000),
                  ropeScaling: nil,
                  tieWordEmbeddings: gguf.tensor(named: "output.weight") == nil,
                  maxPositionEmbeddings: gguf.int("llama.context_length") ?? 2048)
        try validate(path: gguf.path)
    }
}
