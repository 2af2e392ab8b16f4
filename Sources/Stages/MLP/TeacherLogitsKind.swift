import Foundation
import Pipeline

/// `teacher-logits`: the teacher's logits on the distillation images, once per teacher and data,
/// read by every student (aux-only and all-logits alike).
///
/// Model m's row i holds the logits of model m of "teacher" on distillation image i of model m.
public struct ComputeTeacherLogits: StageKind {
    public struct Params: DefaultedCodable, Sendable, Equatable, Hashable {
        public static var defaults: Self { .init() }
        public var data: DistillationData
        public init(data: DistillationData = DistillationData()) { self.data = data }
    }

    public static let name = "teacher-logits"
    public static let summary = "the teacher's logits on the distillation images (noise or MNIST)"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("MLP/TeacherLogitsKind.swift"), KindSources.numerics,
                             KindSources.model, KindSources.training)
    }
    public static let outputs = ["logits"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let teacher = try TrainingState(serialized: context.input("teacher"), name: "teacher")
        let train = params.data.usesTrainingImages
            ? try LabeledImages(serialized: context.input("train"), name: "train") : nil
        let images = try DistillationImages(params.data, pixelsPerImage: teacher.shape.inputs, train: train)
        let result = TeacherLogits(models: teacher.models, samples: params.data.samples,
                                   outputs: teacher.shape.outputs, data: params.data,
                                   teacher: "\(teacher.lineage) epochs=\(teacher.epochsDone)")
        let outputs = teacher.shape.outputs
        try forEachBatch(teacher, samples: params.data.samples, context: context,
                         fill: { model, first, rows, ws in
                             let indices = (Int32(first)..<Int32(first + rows)).map { $0 }
                             indices.withUnsafeBufferPointer {
                                 images.fill(model: model, indices: $0, into: ws.input.pointer)
                             }
                         },
                         use: { model, first, rows, ws in
                             (result.logits(of: model) + first * outputs).update(from: ws.logits, count: rows * outputs)
                         })
        context.log("teacher-logits: \(teacher.models) models x \(params.data.samples) \(params.data.distribution.rawValue) images")
        context.write("logits", result.serialized())
    }
}
