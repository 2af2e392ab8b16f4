import Foundation
import Testing
import Pipeline
@testable import Stages

/// The report page: every section, inline figures, tables from CSV, published numbers, escaping.
@Suite struct ReportStageTests {
    static func inputs() throws -> [String: Data] {
        let plot = StageContext(inputs: FigurePlotStageTests.inputs)
        try PlotAccuracyStage.run(FigurePlotStageTests.params(style: .bars), plot)
        let lines = StageContext(inputs: FigurePlotStageTests.inputs)
        try PlotAccuracyStage.run(FigurePlotStageTests.params(style: .lines), lines)
        return ["exp3.svg": plot.outputs["figure.svg"]!, "exp3.csv": plot.outputs["table.csv"]!,
                "exp1.svg": lines.outputs["figure.svg"]!, "exp1.csv": lines.outputs["table.csv"]!]
    }

    static let params = ReportStage.Params(
        title: "Subliminal learning <replication> & more",
        intro: "We rebuild Topic A.\n\nSecond paragraph with <b>tags</b>.",
        sections: [
            .init(title: "Exp 1: distillation epochs", text: "Accuracy rises with epochs.", figure: "exp1.svg", table: "exp1.csv",
                  published: "Epochs | Published accuracy (%)\n--- | ---\n1 | 19.7\n40 | 77.2"),
            .init(title: "Exp 3: data distribution", text: "Noise beats images.", figure: "exp3.svg", table: "exp3.csv",
                  published: "Uniform noise 54.9% vs MNIST 15.1% (teacher 94.3%)."),
            .init(title: "Notes", text: "No figure here."),
        ])

    @Test func containsEverySection() throws {
        let context = StageContext(inputs: try Self.inputs())
        try ReportStage.run(Self.params, context)
        let html = String(decoding: try #require(context.outputs["report.html"]), as: UTF8.self)
        if let directory = ProcessInfo.processInfo.environment["PIPE_FIGURE_SAMPLES"] {
            try? Data(html.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent("report.html"))
        }
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>Subliminal learning &lt;replication&gt; &amp; more</title>"))
        #expect(html.contains("<p class=\"intro\">Second paragraph with &lt;b&gt;tags&lt;/b&gt;.</p>"))
        for (i, section) in Self.params.sections.enumerated() {
            #expect(html.contains("<section id=\"section-\(i + 1)\">"))
            #expect(html.contains("<h2>\(section.title)</h2>"))
            #expect(html.contains("<p>\(section.text)</p>"))
        }
        #expect(html.components(separatedBy: "<svg xmlns").count - 1 == 2, "both figures inline")
        #expect(html.contains("<th>Published accuracy (%)</th>") && html.contains("<td class=\"num\">77.2</td>"))
        #expect(!html.contains("<td>---</td>"))
        #expect(html.contains("<p>Uniform noise 54.9% vs MNIST 15.1% (teacher 94.3%).</p>"))
        #expect(html.contains("<td>Control, cross-model</td>"), "CSV rows become table rows")
        #expect(html.contains("<td class=\"num\">54.9</td>"), "our table carries the published column")
        #expect(!html.contains("src=") && !html.contains("href=\"http"), "self-contained")
    }

    @Test func accuracyTablesAreShownWithOneIntervalColumn() {
        let csv = CSVTable(header: ["series", "label", "x", "mean", "ci95_low", "ci95_high", "n_models", "published"],
                           rows: [["teacher", "", "5", "94.31", "94.24", "94.37", "25", "94.3"],
                                  ["student", "uniform noise", "", "53.39", "49.31", "57.47", "25", ""]])
        let shown = ReportHTML.readable(csv)
        #expect(shown.header == ["series", "setting", "accuracy %", "95% interval", "models", "study"])
        #expect(shown.rows == [["teacher", "5", "94.31", "94.24–94.37", "25", "94.3"],
                               ["student", "uniform noise", "53.39", "49.31–57.47", "25", ""]])
        let other = CSVTable(header: ["quantity", "study"], rows: [["teacher", "94.3%"]])
        #expect(ReportHTML.readable(other) == other)
    }

    @Test func rejectsActiveOrBrokenInputs() throws {
        let section = ReportStage.Params(title: "t", sections: [.init(title: "s", figure: "f")])
        for bad in ["<svg><script>alert(1)</script></svg>", "<svg onload=\"x()\"></svg>", "<html></html>"] {
            #expect(throws: StageError.self) { try ReportStage.run(section, StageContext(inputs: ["f": Data(bad.utf8)])) }
        }
        // An XML prolog is dropped; attribute text that merely mentions "on...=" is fine.
        let ok = "<?xml version=\"1.0\"?>\n<svg aria-label=\"baseline one = 5\"></svg>"
        let context = StageContext(inputs: ["f": Data(ok.utf8)])
        try ReportStage.run(section, context)
        let html = String(decoding: context.outputs["report.html"]!, as: UTF8.self)
        #expect(html.contains("<figure>\n<svg aria-label") && !html.contains("<?xml"))
        let table = ReportStage.Params(title: "t", sections: [.init(title: "s", table: "c")])
        #expect(throws: StageError.self) { try ReportStage.run(table, StageContext(inputs: ["c": Data("a,\"b\r\n".utf8)])) }
    }
}
