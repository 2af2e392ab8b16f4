import Foundation
import Pipeline

/// Writes the report page: escaped text, inline SVG figures, CSV tables, one embedded stylesheet.
struct ReportHTML {
    private var body: [String] = []
    private let title: String

    init(title: String) {
        self.title = title
        body.append("<h1>\(Markup.escape(title))</h1>")
    }

    private static let style = """
        body { margin: 0; background: #fafafa; color: #222; font: 15px/1.55 'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif; }
        main { max-width: 980px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
        h1 { font-size: 26px; margin: 8px 0 12px; }
        h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 12px; border-top: 1px solid #e4e4e4; }
        h3 { font-size: 14px; margin: 0 0 6px; text-transform: uppercase; letter-spacing: 0.04em; color: #555; }
        .intro { color: #333; }
        nav ol { padding-left: 22px; }
        figure { margin: 12px 0; text-align: center; }
        figure svg { max-width: 100%; height: auto; }
        .compare { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
        .compare > div { flex: 1 1 300px; min-width: 0; overflow-x: auto; }
        .compare > div.ours { flex: 2 1 520px; }
        .published { background: #f5f7fa; border-left: 3px solid #0072B2; padding: 10px 14px; }
        table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
        th, td { padding: 3px 9px; border-bottom: 1px solid #e4e4e4; text-align: left; white-space: nowrap; }
        th { border-bottom: 1.5px solid #999; font-weight: 600; }
        td.num { text-align: right; }
        """

    mutating func paragraphs(_ text: String, className: String? = nil) {
        let attribute = className.map { " class=\"\(Markup.escape($0))\"" } ?? ""
        for paragraph in Self.paragraphs(of: text) {
            body.append("<p\(attribute)>\(Markup.escape(paragraph))</p>")
        }
    }

    /// Text split at blank lines, each paragraph's lines joined with spaces.
    static func paragraphs(of text: String) -> [String] {
        var result: [String] = [], current: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                if !current.isEmpty { result.append(current.joined(separator: " ")); current = [] }
            } else {
                current.append(trimmed)
            }
        }
        if !current.isEmpty { result.append(current.joined(separator: " ")) }
        return result
    }

    mutating func contents(_ titles: [String]) {
        body.append("<nav><ol>")
        for (i, title) in titles.enumerated() {
            body.append("<li><a href=\"#section-\(i + 1)\">\(Markup.escape(title))</a></li>")
        }
        body.append("</ol></nav>")
    }

    mutating func section(number: Int, _ section: ReportStage.Section, figure: String?, table: CSVTable?) {
        body.append("<section id=\"section-\(number)\">")
        body.append("<h2>\(Markup.escape(section.title))</h2>")
        paragraphs(section.text)
        if let figure { body.append("<figure>\n\(figure)\n</figure>") }
        let published = section.published.map(Self.published) ?? nil
        if table != nil || published != nil {
            body.append("<div class=\"compare\">")
            if let table { body.append("<div class=\"ours\"><h3>Our results</h3>\n\(Self.table(Self.readable(table)))\n</div>") }
            if let published { body.append("<div class=\"published\"><h3>Published (original study)</h3>\n\(published)\n</div>") }
            body.append("</div>")
        }
        body.append("</section>")
    }

    /// An accuracy CSV (series, label, x, mean, ci95_low, ci95_high, n_models, published) as a
    /// table a reader takes in at a glance: one setting column, the interval in one cell. Other
    /// tables pass through unchanged.
    static func readable(_ table: CSVTable) -> CSVTable {
        let needed = ["series", "label", "x", "mean", "ci95_low", "ci95_high", "n_models", "published"]
        let column = Dictionary(table.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        guard needed.allSatisfy({ column[$0] != nil }) else { return table }
        let rows = table.rows.map { row -> [String] in
            func cell(_ name: String) -> String { column[name].flatMap { $0 < row.count ? row[$0] : nil } ?? "" }
            let setting = cell("label").isEmpty ? cell("x") : cell("label")
            return [cell("series"), setting, cell("mean"), cell("ci95_low") + "–" + cell("ci95_high"),
                    cell("n_models"), cell("published")]
        }
        return CSVTable(header: ["series", "setting", "accuracy %", "95% interval", "models", "study"], rows: rows)
    }

    /// A CSV table as HTML; cells that are numbers are right-aligned.
    static func table(_ table: CSVTable) -> String {
        var lines = ["<table>", "<thead><tr>" + table.header.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr></thead>", "<tbody>"]
        for row in table.rows {
            lines.append("<tr>" + row.map { cell in
                Double(cell) != nil ? "<td class=\"num\">\(Markup.escape(cell))</td>" : "<td>\(Markup.escape(cell))</td>"
            }.joined() + "</tr>")
        }
        lines += ["</tbody>", "</table>"]
        return lines.joined(separator: "\n")
    }

    /// The published numbers: a table for "|"-separated lines, paragraphs otherwise; nil if empty.
    static func published(_ text: String) -> String? {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return nil }
        guard lines.contains(where: { $0.contains("|") }) else {
            return paragraphs(of: text).map { "<p>\(Markup.escape($0))</p>" }.joined(separator: "\n")
        }
        var html: [String] = []
        var rows: [[String]] = []
        func flush() {
            guard let header = rows.first else { return }
            html.append(Self.table(CSVTable(header: header, rows: Array(rows.dropFirst()))))
            rows = []
        }
        for line in lines {
            if line.contains("|") {
                var cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                // Markdown-style outer bars: "| a | b |".
                if cells.first == "" { cells.removeFirst() }
                if cells.last == "" { cells.removeLast() }
                if cells.allSatisfy({ !$0.isEmpty && $0.allSatisfy { "-:".contains($0) } }) { continue }
                rows.append(cells)
            } else {
                flush()
                html.append("<p>\(Markup.escape(line))</p>")
            }
        }
        flush()
        return html.joined(separator: "\n")
    }

    /// An SVG figure input, checked to be a figure and nothing else: it is inlined unescaped.
    static func inlineSVG(_ data: [UInt8], input: String) throws -> String {
        guard var text = String(validating: data, as: UTF8.self) else {
            throw StageError.badInput(name: input, reason: "figure is not UTF-8 text")
        }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // A standalone file's XML prolog and doctype are not allowed inside HTML.
        while text.hasPrefix("<?") || text.hasPrefix("<!DOCTYPE") || text.hasPrefix("<!--") {
            let close = text.hasPrefix("<!--") ? "-->" : ">"
            guard let end = text.range(of: close) else { break }
            text = String(text[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard text.hasPrefix("<svg"), text.hasSuffix("</svg>") else {
            throw StageError.badInput(name: input, reason: "figure is not an SVG document (expected <svg ...>...</svg>)")
        }
        let lower = text.lowercased()
        for pattern in ["<script", "javascript:", "<foreignobject", "<iframe"] where lower.contains(pattern) {
            throw StageError.badInput(name: input, reason: "figure contains active content (\(pattern)); only plain SVG drawings are inlined")
        }
        // Event handlers (onload=...) are attributes: look at tag names outside quoted values.
        var rest = lower[...]
        while let tag = rest.range(of: #"<[^>]*>"#, options: .regularExpression) {
            let unquoted = String(rest[tag]).replacingOccurrences(of: #""[^"]*"|'[^']*'"#, with: "\"\"", options: .regularExpression)
            if unquoted.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) != nil {
                throw StageError.badInput(name: input, reason: "figure contains an event-handler attribute; only plain SVG drawings are inlined")
            }
            rest = rest[tag.upperBound...]
        }
        return text
    }

    /// The complete page.
    func finished() -> String {
        var page = ["<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                    "<title>\(Markup.escape(title))</title>", "<style>", Self.style, "</style>", "</head>", "<body>", "<main>"]
        page += body
        page += ["</main>", "</body>", "</html>"]
        return page.joined(separator: "\n") + "\n"
    }
}
