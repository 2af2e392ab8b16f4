/// Layer widths of one MLP (e.g. [784, 256, 256, 13]) and where its parameters sit in its block.
///
/// A model's parameters are one contiguous block, layer after layer: weight (out, in) row-major as
/// in PyTorch's nn.Linear / the study's MultiLinear, then bias (out). ReLU follows every layer but
/// the last. The last layer's first `digits` outputs are digit logits, the rest auxiliary logits.
public struct MLPShape: Sendable, Equatable, Codable {
    public var sizes: [Int]

    /// Outputs trained on labels; the rest are the study's auxiliary ("ghost") logits.
    public static let digits = 10

    public init(sizes: [Int]) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "MLPShape: bad sizes \(sizes)")
        self.sizes = sizes
    }

    /// The study's network: inputs -> hidden -> hidden -> outputs.
    public init(inputs: Int = 784, hidden: Int = 256, outputs: Int = 13) {
        self.init(sizes: [inputs, hidden, hidden, outputs])
    }

    public var layers: Int { sizes.count - 1 }
    public var inputs: Int { sizes[0] }
    public var outputs: Int { sizes[sizes.count - 1] }

    /// Floats per model.
    public var parameterCount: Int {
        (0..<layers).reduce(0) { $0 + sizes[$1 + 1] * (sizes[$1] + 1) }
    }

    /// Offset of layer l's weight (sizes[l+1], sizes[l]) within a model's block; its bias follows.
    public func weightOffset(_ layer: Int) -> Int {
        (0..<layer).reduce(0) { $0 + sizes[$1 + 1] * (sizes[$1] + 1) }
    }

    public func biasOffset(_ layer: Int) -> Int { weightOffset(layer) + sizes[layer + 1] * sizes[layer] }

    /// Multiply-adds of one forward pass of one sample.
    public var forwardMACs: Int { (0..<layers).reduce(0) { $0 + sizes[$1] * sizes[$1 + 1] } }

    /// FLOPs (2 per multiply-add) of the GEMMs of one training step on one sample: forward, weight
    /// gradients of every layer, input gradients of every layer but the first.
    public var trainingFLOPsPerSample: Int {
        let inputGradients = (1..<layers).reduce(0) { $0 + sizes[$1] * sizes[$1 + 1] }
        return 2 * (2 * forwardMACs + inputGradients)
    }
}
