import Foundation
import Pipeline

/// `train-teacher`: trains the digit logits of N MLPs on MNIST with cross-entropy and Adam.
///
/// Continues from "start" (the init, or an earlier checkpoint of the same run) to the absolute
/// epoch count `epochs`; 0 -> 5 -> 10 gives the same bits as 0 -> 10. Model m's epoch e visits the
/// first `trainSamples` training images in the order of RandomStream(seed, .teacherShuffle, m, e),
/// batch after batch, the last batch partial.
public struct TrainTeacher: StageKind {
    public struct Params: DefaultedCodable, Sendable, Equatable, Hashable {
        public static var defaults: Self { .init() }
        /// Absolute number of epochs the output has done.
        public var epochs: Int
        public var batchSize: Int
        public var learningRate: Double
        public var seed: UInt64
        /// Train on the first K images; nil = all.
        public var trainSamples: Int?

        public init(epochs: Int = 5, batchSize: Int = 1024, learningRate: Double = 3e-4, seed: UInt64 = 0,
                    trainSamples: Int? = nil) {
            self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
            self.seed = seed; self.trainSamples = trainSamples
        }
    }

    public static let name = "train-teacher"
    public static let summary = "trains N MLPs' digit logits on MNIST (cross-entropy, Adam) to an epoch count"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("MLP/TrainTeacher.swift"), KindSources.numerics,
                             KindSources.model, KindSources.training)
    }
    public static let outputs = ["state"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        guard params.epochs >= 0, params.batchSize >= 1, params.learningRate > 0 else {
            throw StageError.failed("train-teacher: needs epochs >= 0, batchSize >= 1, learningRate > 0; got \(params)")
        }
        let state = try TrainingState(serialized: context.input("start"), name: "start")
        let trainBytes = try context.input("train")
        let train = try LabeledImages(serialized: trainBytes, name: "train")
        guard train.pixelsPerImage == state.shape.inputs else {
            throw StageError.badInput(name: "train", reason: "images of \(train.pixelsPerImage) pixels; "
                + "the networks take \(state.shape.inputs)")
        }
        let samples = params.trainSamples ?? train.count
        guard (1...train.count).contains(samples) else {
            throw StageError.badInput(name: "train", reason: "\(train.count) images; trainSamples is \(samples)")
        }
        let schedule = TrainingSchedule(epochs: params.epochs, batchSize: params.batchSize,
                                        adam: AdamSettings(learningRate: params.learningRate),
                                        seed: params.seed, shuffle: .teacherShuffle)
        let lineage = "train-teacher batchSize=\(params.batchSize) learningRate=\(params.learningRate) "
            + "seed=\(params.seed) trainSamples=\(samples) train=\(checksum(trainBytes))"
        try checkStart(state, name: "start", lineage: lineage, epochs: params.epochs,
                       stepsPerEpoch: schedule.batchesPerEpoch(samples: samples))
        state.lineage = lineage
        let objective = ClassificationObjective(images: train, samples: samples, models: state.models)
        try Stages.train(state, objective, schedule, context: context, label: "teacher")
        context.write("state", state.serialized())
    }
}
