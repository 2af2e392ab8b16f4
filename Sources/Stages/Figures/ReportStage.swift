import Foundation
import Pipeline

/// `report`: one self-contained HTML page of figures, their tables and the published numbers.
public struct ReportStage: StageKind {
    public struct Section: Codable, Sendable, Hashable {
        public var title: String
        /// Plain text; blank lines separate paragraphs.
        public var text: String
        /// Input name of an SVG figure to inline, or nil.
        public var figure: String?
        /// Input name of a CSV table to render, or nil.
        public var table: String?
        /// The original study's numbers, plain text; lines with "|" become a small table
        /// (first such line the header; "---" lines skipped).
        public var published: String?

        public init(title: String, text: String = "", figure: String? = nil, table: String? = nil, published: String? = nil) {
            self.title = title; self.text = text; self.figure = figure; self.table = table; self.published = published
        }
    }

    public struct Params: Codable, Sendable, Hashable {
        public var title: String
        public var intro: String
        public var sections: [Section]

        public init(title: String, intro: String = "", sections: [Section]) {
            self.title = title; self.intro = intro; self.sections = sections
        }
    }

    public static let name = "report"
    public static let summary = "an HTML report: inline figures, tables from CSV, the published numbers beside ours"
    public static let code = sourceFingerprint("Figures/ReportStage.swift", "Figures/ReportHTML.swift",
                                               "Figures/Markup.swift", "Figures/CSVTable.swift")
    public static let outputs = ["report.html"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        var html = ReportHTML(title: params.title)
        html.paragraphs(params.intro, className: "intro")
        if params.sections.count > 1 { html.contents(params.sections.map(\.title)) }
        for (i, section) in params.sections.enumerated() {
            let figure = try section.figure.map { name in try ReportHTML.inlineSVG([UInt8](context.input(name)), input: name) }
            let table = try section.table.map { name -> CSVTable in
                guard let text = String(data: try context.input(name), encoding: .utf8) else {
                    throw StageError.badInput(name: name, reason: "table is not UTF-8 text")
                }
                do { return try CSVTable(parsing: text) } catch {
                    throw StageError.badInput(name: name, reason: "not a CSV table: \(error)")
                }
            }
            html.section(number: i + 1, section, figure: figure, table: table)
        }
        context.write("report.html", Data(html.finished().utf8))
        context.log("report '\(params.title)': \(params.sections.count) sections")
    }
}
