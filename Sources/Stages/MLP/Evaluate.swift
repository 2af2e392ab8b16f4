import Foundation
import Pipeline

/// `evaluate`: test accuracy of every model: argmax of the digit logits (0..<10) against the labels.
public struct Evaluate: StageKind {
    public struct Params: Codable, Sendable, Equatable, Hashable {
        /// Evaluate on the first K test images; nil = all.
        public var testSamples: Int?
        public init(testSamples: Int? = nil) { self.testSamples = testSamples }
    }

    public static let name = "evaluate"
    public static let summary = "test accuracy of each model (argmax of the digit logits)"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("MLP/Evaluate.swift", "MLP/AccuracySummary.swift",
                                               "MLP/Inference.swift"),
                             KindSources.numerics, KindSources.model)
    }
    public static let outputs = ["accuracy"]
    /// The summary's mean and 95% half-width (fractions), for `pipe sweep` and `pipe runs`.
    public static let metrics = ["accuracy"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let state = try TrainingState(serialized: context.input("state"), name: "state")
        let test = try LabeledImages(serialized: context.input("test"), name: "test")
        guard test.pixelsPerImage == state.shape.inputs else {
            throw StageError.badInput(name: "test", reason: "images of \(test.pixelsPerImage) pixels; "
                + "the networks take \(state.shape.inputs)")
        }
        let samples = params.testSamples ?? test.count
        guard (1...max(1, test.count)).contains(samples), samples <= test.count else {
            throw StageError.badInput(name: "test", reason: "\(test.count) images; testSamples is \(samples)")
        }
        let summary = try accuracy(state, test, samples: samples, context: context)
        context.log("evaluate: mean accuracy " + String(format: "%.4f ± %.4f", summary.mean, summary.ci95))
        context.write("accuracy", summary.json())
    }

    /// Per-model accuracy on the first `samples` images of `test`.
    static func accuracy(_ state: TrainingState, _ test: LabeledImages, samples: Int,
                         context: StageContext) throws -> AccuracySummary {
        let n = state.shape.inputs, outputs = state.shape.outputs
        let correct = UnsafeMutablePointer<Int>.allocate(capacity: state.models)
        correct.initialize(repeating: 0, count: state.models)
        defer { correct.deallocate() }
        try test.pixels.withUnsafeBufferPointer { pixels in
            try forEachBatch(state, samples: samples, context: context,
                             fill: { _, first, rows, ws in
                                 normalizePixels(pixels.baseAddress! + first * n, ws.input.pointer, count: rows * n)
                             },
                             use: { model, first, rows, ws in
                                 for r in 0..<rows where argmax(ws.logits + r * outputs, MLPShape.digits)
                                     == Int(test.labels[first + r]) {
                                     correct[model] += 1
                                 }
                             })
        }
        return AccuracySummary(accuracies: (0..<state.models).map { Double(correct[$0]) / Double(samples) })
    }
}
