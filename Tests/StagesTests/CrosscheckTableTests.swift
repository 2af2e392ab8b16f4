import Foundation
import Testing
import Pipeline
@testable import Stages

/// crosscheck-table from hand-made JSON: pipe's AccuracySummary files and a PyTorch metrics file
/// as scripts/crosscheck/topic_a_torch.py writes it. Expected numbers worked out by hand below.
@Suite struct CrosscheckTableTests {
    // Teacher, overlapping. pipe [0.94, 0.95, 0.96]: mean 95%, sample std 1%, half-width
    // 1.96 * 1 / sqrt(3) = 1.1316 -> [93.87, 96.13]. PyTorch [0.92, 0.94, 0.96]: mean 94%, std 2%,
    // half-width 2.2632 -> [91.74, 96.26]. |95 - 94| = 1 <= 1.1316 + 2.2632: overlap.
    // Student, not overlapping. pipe [0.50, 0.52, 0.54, 0.56]: mean 53%, std sqrt(20/3) = 2.5820%,
    // half-width 1.96 * 2.5820 / 2 = 2.5303 -> [50.47, 55.53]. PyTorch [0.60, 0.61, 0.62, 0.61]:
    // mean 61%, std sqrt(2/3) = 0.8165%, half-width 0.8002 -> [60.20, 61.80]. 8 > 3.33: no overlap.
    static let torchMetrics = #"""
    {
      "settings": {"models": 3, "teacher_epochs": 5},
      "student_aux": {"accuracies": [0.60, 0.61, 0.62, 0.61], "ci95": 0.008, "mean": 0.61},
      "teacher": {"accuracies": [0.92, 0.94, 0.96], "ci95": 0, "mean": 0},
      "torch": "2.15.0"
    }
    """#

    static let inputs: [String: Data] = [
        "pipe.teacher": Data(#"{"accuracies":[0.94,0.95,0.96],"ci95":0.0113,"mean":0.95}"#.utf8),
        "pipe.student": AccuracySummary(accuracies: [0.50, 0.52, 0.54, 0.56]).json(),
        "torch": Data(torchMetrics.utf8),
    ]

    static let params = CrosscheckTable.Params(title: "Topic A baseline", quantities: [
        .init(name: "teacher", pipe: "pipe.teacher", torch: "teacher", published: 94.3),
        .init(name: "student, aux logits", pipe: "pipe.student", torch: "student_aux", published: 54.9),
    ])

    @Test func overlappingAndDisjointIntervals() throws {
        let context = StageContext(inputs: Self.inputs)
        try CrosscheckTable.run(Self.params, context)
        #expect(Set(context.outputs.keys) == Set(CrosscheckTable.outputs))

        let table = try CSVTable(parsing: String(decoding: context.outputs["table.csv"]!, as: UTF8.self))
        #expect(table.header == ["quantity", "pipe_mean", "pipe_ci95_low", "pipe_ci95_high", "pytorch_mean",
                                 "pytorch_ci95_low", "pytorch_ci95_high", "published", "intervals_overlap",
                                 "pipe_models", "pytorch_models"])
        #expect(table.rows == [
            ["teacher", "95.00", "93.87", "96.13", "94.00", "91.74", "96.26", "94.3", "yes", "3", "3"],
            ["student, aux logits", "53.00", "50.47", "55.53", "61.00", "60.20", "61.80", "54.9", "no", "4", "4"],
        ])

        let summary = String(decoding: context.outputs["summary.txt"]!, as: UTF8.self)
        #expect(summary == """
            Topic A baseline (PyTorch 2.15.0)
            95% intervals: mean +- 1.96 * sample std / sqrt(n), over n models
            teacher: pipe 95.00% [93.87, 96.13] (3 models) vs PyTorch 94.00% [91.74, 96.26] (3 models): \
            intervals overlap; PyTorch - pipe = -1.00 points; study 94.3%
            student, aux logits: pipe 53.00% [50.47, 55.53] (4 models) vs PyTorch 61.00% [60.20, 61.80] (4 models): \
            intervals do not overlap; PyTorch - pipe = 8.00 points; study 54.9%

            """)
    }

    @Test func overlapIsDecidedOnTheHalfWidths() {
        let one = { (a: [Double]) in AccuracySummary(accuracies: a) }
        // One model each: zero-width intervals overlap only when the values are equal.
        #expect(CrosscheckTable.Comparison(pipe: one([0.5]), torch: one([0.5])).overlap)
        #expect(!CrosscheckTable.Comparison(pipe: one([0.5]), torch: one([0.25])).overlap)
        // Touching intervals count as overlapping: [0.25, 0.75] (mean 0.5, std 0.25 * sqrt(2),
        // half-width 1.96 * 0.25 = 0.49) against a point exactly at its lower end (0.5 - 0.49 and back are exact), and just past it.
        let wide = one([0.25, 0.75])
        #expect(abs(wide.ci95 - 0.49) < 1e-12)
        #expect(CrosscheckTable.Comparison(pipe: wide, torch: one([wide.mean - wide.ci95])).overlap)
        #expect(!CrosscheckTable.Comparison(pipe: wide, torch: one([wide.mean - wide.ci95 - 1e-9])).overlap)
    }

    @Test func inputProblemsAreClear() throws {
        var inputs = Self.inputs
        inputs["torch"] = Data(#"{"teacher": {"accuracies": [0.9], "mean": 0.9, "ci95": 0}, "torch": "2.15.0"}"#.utf8)
        do {
            try CrosscheckTable.run(Self.params, StageContext(inputs: inputs))
            Issue.record("a metrics file without student_aux must fail")
        } catch { #expect("\(error)".contains("student_aux")) }

        inputs = Self.inputs
        inputs["pipe.teacher"] = AccuracySummary(accuracies: [94.0, 95.0]).json()  // percent, not fractions
        do {
            try CrosscheckTable.run(Self.params, StageContext(inputs: inputs))
            Issue.record("accuracies in percent must fail")
        } catch { #expect("\(error)".contains("fractions in [0, 1]")) }

        #expect(throws: StageError.self) { try CrosscheckTable.run(Self.params, StageContext(inputs: [:])) }
    }

    @Test func kindIsDeclared() {
        #expect(CrosscheckTable.name == "crosscheck-table")
        #expect(CrosscheckTable.outputs == ["table.csv", "summary.txt"])
        #expect(CrosscheckTable.code.files.keys.contains("Sources/Stages/Crosscheck/CrosscheckTable.swift"))
        #expect(CrosscheckTable.code.files.keys.contains("Sources/Stages/MLP/AccuracySummary.swift"))
    }
}
