import Foundation
import Testing
import Pipeline
@testable import Stages

/// plot-accuracy end to end, from AccuracySummary JSON inputs to SVG and CSV.
@Suite struct FigurePlotStageTests {
    static let inputs: [String: Data] = [
        "noise": AccuracySummary(accuracies: [0.52, 0.55, 0.57, 0.56]).json(),
        "mnist": AccuracySummary(accuracies: [0.15, 0.16, 0.14]).json(),
        "control": AccuracySummary(accuracies: [0.12]).json(),
    ]

    static func params(style: PlotAccuracyStage.Style, xAxis: XAxisMode = .categorical) -> PlotAccuracyStage.Params {
        PlotAccuracyStage.Params(
            title: "Exp 3, \"noise\" vs images", xLabel: "Inputs", style: style, xAxis: xAxis,
            series: [
                .init(name: "Student", points: [.init(label: "Uniform noise", x: 1, input: "noise", published: 54.9),
                                                .init(label: "MNIST", x: 2, input: "mnist", published: 15.1)]),
                .init(name: "Control, cross-model", points: [.init(label: "Uniform noise", x: 1, input: "control")]),
            ],
            referenceLines: [.init(label: "Chance (10%)", y: 10)])
    }

    @Test func barsEndToEnd() throws {
        let context = StageContext(inputs: Self.inputs)
        try PlotAccuracyStage.run(Self.params(style: .bars), context)
        let outputs = context.outputs
        #expect(Set(outputs.keys) == Set(PlotAccuracyStage.outputs))
        let svg = String(decoding: outputs["figure.svg"]!, as: UTF8.self)
        SVGInspector.saveSample(svg, as: "plot-stage-bars.svg")
        let inspector = try #require(SVGInspector.parse(svg))
        #expect(inspector.texts.contains("Exp 3, \"noise\" vs images"))
        #expect(inspector.texts.contains("Accuracy (%)"))
        #expect(inspector.attributes.contains { $0["data-label"] == "Uniform noise" && $0["data-value"] == "55" })

        let table = try CSVTable(parsing: String(decoding: outputs["table.csv"]!, as: UTF8.self))
        #expect(table.header == ["series", "label", "x", "mean", "ci95_low", "ci95_high", "n_models", "published"])
        #expect(table.rows.count == 3)

        // Metrics: two series, so each name starts with its series.
        var metrics: [String: Double] = [:]
        Metrics.flatten(try JSONValue(parsing: String(decoding: outputs["metrics.json"]!, as: UTF8.self)), "", into: &metrics)
        #expect(Set(metrics.keys) == ["student.uniform-noise.mean", "student.uniform-noise.ci95", "student.mnist.mean",
                                      "student.mnist.ci95", "control-cross-model.uniform-noise.mean",
                                      "control-cross-model.uniform-noise.ci95"])
        #expect(abs(metrics["student.mnist.mean"]! - 15) < 1e-9)
        #expect(metrics["control-cross-model.uniform-noise.ci95"] == 0)
        #expect(PlotAccuracyStage.slug("student, aux logits") == "student-aux-logits")
        let noise = AccuracySummary(accuracies: [0.52, 0.55, 0.57, 0.56])
        let half = noise.ci95 * 100
        #expect(table.rows[0] == ["Student", "Uniform noise", "1", "55.00", NumberFormat.decimal(55 - half, decimals: 2, fixed: true),
                                  NumberFormat.decimal(55 + half, decimals: 2, fixed: true), "4", "54.9"])
        #expect(table.rows[2] == ["Control, cross-model", "Uniform noise", "1", "12.00", "12.00", "12.00", "1", ""])
    }

    @Test func linesEndToEnd() throws {
        for mode in [XAxisMode.categorical, .linear, .log] {
            let context = StageContext(inputs: Self.inputs)
            try PlotAccuracyStage.run(Self.params(style: .lines, xAxis: mode), context)
            let svg = String(decoding: context.outputs["figure.svg"]!, as: UTF8.self)
            #expect(SVGInspector.parse(svg)?.elements["polyline"] == 2)
        }
    }

    @Test func inputProblemsAreClear() throws {
        #expect(throws: StageError.self) { try PlotAccuracyStage.run(Self.params(style: .bars), StageContext(inputs: [:])) }
        var inputs = Self.inputs
        inputs["mnist"] = Data("not json".utf8)
        do {
            try PlotAccuracyStage.run(Self.params(style: .bars), StageContext(inputs: inputs))
            Issue.record("bad JSON must fail")
        } catch { #expect("\(error)".contains("input 'mnist' is not usable")) }
        var params = Self.params(style: .lines, xAxis: .linear)
        params.series[0].points[0].x = nil
        do {
            try PlotAccuracyStage.run(params, StageContext(inputs: Self.inputs))
            Issue.record("a missing x on a linear axis must fail")
        } catch { #expect("\(error)".contains("needs an x for xAxis linear")) }
    }

    @Test func paramsRoundTripThroughTheirKeyForm() throws {
        let params = Self.params(style: .lines, xAxis: .linear)
        let text = try JSONValue(encoding: params).canonical
        #expect(try JSONDecoder().decode(PlotAccuracyStage.Params.self, from: Data(text.utf8)) == params)
        #expect(text.contains(#""yLabel":"Accuracy (%)""#))
    }
}
