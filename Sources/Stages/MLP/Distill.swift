import Foundation
import Pipeline

/// `distill`: trains students to match the teacher's softmax over a logit subset (KL, Adam) on
/// the distillation images, never on labels.
///
/// Continues from "start" (the init, a permuted init, or an earlier checkpoint of the same run) to
/// the absolute epoch count `epochs`. Model m's epoch e visits the S images in the order of
/// RandomStream(seed, .distillShuffle, m, e). In the aux-only run the digit rows of the last layer
/// get zero gradients, so Adam never moves them: the study's random readout.
public struct Distill: StageKind {
    public struct Params: DefaultedCodable, Sendable, Equatable, Hashable {
        public static var defaults: Self { .init() }
        /// Must equal the data the "targets" logits were computed on.
        public var data: DistillationData
        public var logits: LogitSelection
        /// Absolute number of epochs the output has done.
        public var epochs: Int
        public var batchSize: Int
        public var learningRate: Double
        public var seed: UInt64

        public init(data: DistillationData = DistillationData(), logits: LogitSelection = .aux, epochs: Int = 5,
                    batchSize: Int = 1024, learningRate: Double = 3e-4, seed: UInt64 = 0) {
            self.data = data; self.logits = logits; self.epochs = epochs; self.batchSize = batchSize
            self.learningRate = learningRate; self.seed = seed
        }
    }

    public static let name = "distill"
    public static let summary = "distills students on teacher logits (KL over aux or all logits, Adam) to an epoch count"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("MLP/Distill.swift"), KindSources.numerics,
                             KindSources.model, KindSources.training)
    }
    public static let outputs = ["state"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        guard params.epochs >= 0, params.batchSize >= 1, params.learningRate > 0 else {
            throw StageError.failed("distill: needs epochs >= 0, batchSize >= 1, learningRate > 0; got \(params)")
        }
        let state = try TrainingState(serialized: context.input("start"), name: "start")
        let targetBytes = try context.input("targets")
        let targets = try TeacherLogits(serialized: targetBytes, name: "targets")
        guard targets.data == params.data else {
            throw StageError.badInput(name: "targets", reason: "logits of data \(targets.data.canonicalJSON); "
                + "this stage distills on \(params.data.canonicalJSON)")
        }
        guard targets.models == state.models, targets.outputs == state.shape.outputs else {
            throw StageError.badInput(name: "targets", reason: "logits of \(targets.models) models x "
                + "\(targets.outputs) outputs; the students are \(state.models) x \(state.shape.outputs)")
        }
        guard let columns = params.logits.columns(outputs: state.shape.outputs) else {
            throw StageError.failed("distill: logits \(params.logits) do not fit \(state.shape.outputs) outputs")
        }
        let train = params.data.usesTrainingImages
            ? try LabeledImages(serialized: context.input("train"), name: "train") : nil
        let images = try DistillationImages(params.data, pixelsPerImage: state.shape.inputs, train: train)
        let schedule = TrainingSchedule(epochs: params.epochs, batchSize: params.batchSize,
                                        adam: AdamSettings(learningRate: params.learningRate),
                                        seed: params.seed, shuffle: .distillShuffle)
        let lineage = "distill logits=\(params.logits) batchSize=\(params.batchSize) "
            + "learningRate=\(params.learningRate) seed=\(params.seed) data=\(params.data.canonicalJSON) "
            + "targets=\(checksum(targetBytes))"
        try checkStart(state, name: "start", lineage: lineage, epochs: params.epochs,
                       stepsPerEpoch: schedule.batchesPerEpoch(samples: targets.samples))
        state.lineage = lineage
        let objective = DistillationObjective(images: images, targets: targets, columns: columns, models: state.models)
        try Stages.train(state, objective, schedule, context: context, label: "distill")
        context.write("state", state.serialized())
    }
}
