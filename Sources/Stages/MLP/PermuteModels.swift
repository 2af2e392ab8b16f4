import Foundation
import Pipeline

/// `permute-models`: model m takes model perm[m]'s weights, perm a fixed derangement (the study's
/// cross-model control: a student that does not share its teacher's init).
///
/// perm = derangement(N, RandomStream(seed, .modelPermutation)); Adam state, epochs and lineage
/// move along unchanged.
public struct PermuteModels: StageKind {
    public struct Params: DefaultedCodable, Sendable, Equatable, Hashable {
        public static var defaults: Self { .init() }
        public var seed: UInt64
        public init(seed: UInt64 = 0) { self.seed = seed }
    }

    public static let name = "permute-models"
    public static let summary = "gives model m the weights of model perm[m], perm a seeded derangement"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("MLP/PermuteModels.swift"), KindSources.numerics, KindSources.model)
    }
    public static let outputs = ["state"]

    /// The permutation applied for `models` models.
    public static func permutation(models: Int, seed: UInt64) -> [Int] {
        derangement(models, RandomStream(seed: seed, .modelPermutation))
    }

    public static func run(_ params: Params, _ context: StageContext) throws {
        let state = try TrainingState(serialized: context.input("state"), name: "state")
        guard state.models >= 2 else {
            throw StageError.badInput(name: "state", reason: "permuting models needs at least 2, it has \(state.models)")
        }
        context.write("state", permuted(state, permutation(models: state.models, seed: params.seed)).serialized())
    }

    static func permuted(_ state: TrainingState, _ perm: [Int]) -> TrainingState {
        let result = state.copy()
        let count = state.shape.parameterCount
        for (m, source) in perm.enumerated() {
            for (to, from) in [(result.parameters, state.parameters), (result.adamM, state.adamM),
                               (result.adamV, state.adamV)] {
                (to.pointer + m * count).update(from: from.pointer + source * count, count: count)
            }
        }
        return result
    }
}
