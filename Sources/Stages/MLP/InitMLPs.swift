import Foundation
import Pipeline

/// `init-mlps`: N freshly initialized MLPs, the study's "reference" models.
///
/// Weight (out, in) of layer l of model m, element j (row-major): std * z_j with std =
/// 1/sqrt(in) and z_{2i}, z_{2i+1} = RandomStream(seed, .initialWeights, m, l).normalPair(i)
/// (nn.init.normal_(w, 0, 1/sqrt(d_in)) in the study); biases 0; a fresh optimizer.
public struct InitMLPs: StageKind {
    public struct Params: DefaultedCodable, Sendable, Equatable, Hashable {
        public static var defaults: Self { .init() }
        public var models: Int
        public var seed: UInt64
        public var inputs: Int
        public var hidden: Int
        public var outputs: Int

        public init(models: Int = 25, seed: UInt64 = 0, inputs: Int = 784, hidden: Int = 256, outputs: Int = 13) {
            self.models = models; self.seed = seed; self.inputs = inputs; self.hidden = hidden; self.outputs = outputs
        }
    }

    public static let name = "init-mlps"
    public static let summary = "N MLPs (784-256-256-13) with the study's Normal(0, 1/sqrt(fan_in)) init"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("MLP/InitMLPs.swift"), KindSources.numerics, KindSources.model)
    }
    public static let outputs = ["state"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        guard params.models >= 1, params.inputs >= 1, params.hidden >= 1, params.outputs > MLPShape.digits else {
            throw StageError.failed("init-mlps: needs models >= 1, inputs, hidden >= 1 and outputs > "
                + "\(MLPShape.digits), got \(params)")
        }
        context.write("state", initialState(params).serialized())
    }

    static func initialState(_ params: Params) -> TrainingState {
        let shape = MLPShape(inputs: params.inputs, hidden: params.hidden, outputs: params.outputs)
        let state = TrainingState(shape: shape, models: params.models,
                                  lineage: "init-mlps seed=\(params.seed) sizes=\(shape.sizes)")
        for m in 0..<params.models {
            let block = state.parameters(of: m)
            for l in 0..<shape.layers {
                let stream = RandomStream(seed: params.seed, .initialWeights, m, l)
                let count = shape.sizes[l] * shape.sizes[l + 1]
                let std = Float(1 / Double(shape.sizes[l]).squareRoot())
                let w = block + shape.weightOffset(l)
                for i in 0..<(count + 1) / 2 {
                    let (a, b) = stream.normalPair(i)
                    w[2 * i] = std * a
                    if 2 * i + 1 < count { w[2 * i + 1] = std * b }
                }
            }
        }
        return state
    }
}
