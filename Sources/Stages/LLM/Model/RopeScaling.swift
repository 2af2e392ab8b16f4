/// Llama 3 style RoPE frequency scaling (rope_scaling with rope_type "llama3").
public struct RopeScaling: Sendable, Equatable, Codable {
    public var factor: Double
    public var lowFrequencyFactor: Double
    public var highFrequencyFactor: Double
    public var originalMaxPositionEmbeddings: Int

    public init(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double,
                originalMaxPositionEmbeddings: Int) {
        self.factor = factor
        self.lowFrequencyFactor = lowFrequencyFactor
        self.highFrequencyFactor = highFrequencyFactor
        self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
    }

    enum CodingKeys: String, CodingKey {
        case factor
        case lowFrequencyFactor = "low_freq_factor"
        case highFrequencyFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings"
    }

    /// Scales inverse frequencies as transformers' _compute_llama3_parameters does (in Float).
    public func apply(to inverseFrequencies: [Float]) -> [Float] {
        let factor = Float(self.factor), low = Float(lowFrequencyFactor), high = Float(highFrequencyFactor)
        let oldContext = Float(originalMaxPositionEmbeddings)
        let lowWavelength = oldContext / low, highWavelength = oldContext / high
        return inverseFrequencies.map { f in
            let wavelength = 2 * Float.pi / f
            if wavelength < highWavelength { return f }
            if wavelength > lowWavelength { return f / factor }
            let smooth = (oldContext / wavelength - low) / (high - low)
            return (1 - smooth) * f / factor + smooth * f
        }
    }
}
