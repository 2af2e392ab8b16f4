import Foundation

/// A Llama-family model in Float32: config, weights and rotary frequencies, loaded once, immutable.
public final class LlamaModel: Sendable {
    public let config: LlamaConfig
    public let weights: LlamaWeights
    /// RoPE inverse frequencies (headDimension / 2), Llama 3 scaling included.
    public let inverseFrequencies: [Float]
    /// Where the model came from, for messages.
    public let source: String

    /// A model from its parts (tests build tiny ones this way).
    public init(config: LlamaConfig, weights: LlamaWeights, inverseFrequencies: [Float]? = nil, source: String = "memory") {
        self.config = config
        self.weights = weights
        self.inverseFrequencies = inverseFrequencies ?? config.inverseFrequencies
        self.source = source
    }

    /// Loads a Hugging Face model directory: config.json and model.safetensors (or its shards).
    public convenience init(directory: String) throws {
        let config = try LlamaConfig(configJSON: directory + "/config.json")
        let checkpoint = try SafetensorsCheckpoint(directory: directory)
        self.init(config: config, weights: try LlamaWeights(safetensors: checkpoint, config: config), source: directory)
    }

    /// Loads `name` ("ORG/NAME") from the Hugging Face hub cache (see `HuggingFaceHub`).
    public convenience init(huggingFace name: String, revision: String = "main", cacheDirectory: String? = nil) throws {
        try self.init(directory: HuggingFaceHub.snapshotDirectory(name: name, revision: revision,
                                                                  cacheDirectory: cacheDirectory))
    }

    /// Loads a llama.cpp GGUF file, dequantizing every tensor to Float32. Llama 3 rope scaling comes
    /// from the rope_freqs tensor when present (frequencies divided by its factors, as llama.cpp does).
    public convenience init(ggufPath: String) throws {
        try self.init(gguf: GGUFFile(path: ggufPath))
    }

    /// The model of an opened GGUF file (see `init(ggufPath:)`).
    public convenience init(gguf: GGUFFile) throws {
        let ggufPath = gguf.path
        let config = try LlamaConfig(gguf: gguf)
        var frequencies = config.inverseFrequencies
        if gguf.tensor(named: "rope_freqs.weight") != nil {
            let factors = try gguf.floats(named: "rope_freqs.weight")
            guard factors.count == frequencies.count else {
                throw LlamaError.shapeMismatch(path: ggufPath, tensor: "rope_freqs.weight",
                                               expected: [frequencies.count], found: factors.shape)
            }
            for i in frequencies.indices { frequencies[i] /= factors[i] }
        }
        self.init(config: config, weights: try LlamaWeights(gguf: gguf, config: config),
                  inverseFrequencies: frequencies, source: ggufPath)
    }

    /// An empty KV cache for this model (see `KVCache`).
    public func makeCache(blockSize: Int = 16) -> KVCache {
        KVCache(layerCount: config.layerCount, keyValueHeadCount: config.keyValueHeadCount,
                headDimension: config.headDimension, blockSize: blockSize)
    }
}
