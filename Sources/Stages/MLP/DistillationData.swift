import Foundation
import Pipeline

/// The images students are distilled on: a distribution, how many per model, and a seed.
public struct DistillationData: DefaultedCodable, Sendable, Equatable, Hashable {
    public static var defaults: Self { .init() }
    /// Where distillation images come from.
    public enum Distribution: String, Codable, Sendable, CaseIterable {
        /// Uniform noise in [-1, 1) (the study's default, `t.rand_like(x) * 2 - 1`).
        case uniform
        /// N(0, 1) noise per pixel.
        case gaussian
        /// ±1 per pixel with probability 1/2.
        case bernoulli
        /// The first `samples` MNIST training images, normalized to [-1, 1].
        case mnist
        /// The same images, each with its pixels permuted by its own fixed random permutation
        /// (the same for every model).
        case shuffledMnist = "shuffled-mnist"
    }

    public var distribution: Distribution
    /// Images per model (for MNIST-based data: the first `samples` training images).
    public var samples: Int
    /// Seed of the noise or of the pixel permutations.
    public var seed: UInt64

    public init(distribution: Distribution = .uniform, samples: Int = 60_000, seed: UInt64 = 0) {
        self.distribution = distribution
        self.samples = samples
        self.seed = seed
    }

    /// True when the images come from the MNIST training set (the stage needs input "train").
    public var usesTrainingImages: Bool { distribution == .mnist || distribution == .shuffledMnist }

    /// Canonical JSON (sorted keys), stored in the teacher-logits header and compared by distill.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}
