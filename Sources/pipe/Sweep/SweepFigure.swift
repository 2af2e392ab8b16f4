import Foundation
import Pipeline

/// A sweep's figure: one metric against the first grid axis, a line per combination of the other
/// axes, with 95% bars where the metric has a `ci95` beside its `mean`.
///
/// Its own small SVG writer: the command line does not link Stages (whose charts draw the study's
/// figures), so that a project without the study's code gets a sweep figure too.
struct SweepFigure {
    struct Line { var name: String; var points: [(x: Int, y: Double, half: Double?)] }

    var title: String
    var xLabel: String
    var yLabel: String
    var categories: [String]
    var lines: [Line]

    /// The figure of `metric` over the table's rows; nil when no row has it.
    init?(metric: String, axes: [SweepGrid.Axis], rows: [(values: [String: String], metrics: [String: Double])],
          target: String) {
        guard let first = axes.first, rows.contains(where: { $0.metrics[metric] != nil }) else { return nil }
        let halfName = metric.hasSuffix(".mean") ? String(metric.dropLast(5)) + ".ci95" : nil
        var lines: [String: Line] = [:]
        var order: [String] = []
        for row in rows {
            guard let y = row.metrics[metric], let x = first.values.firstIndex(of: row.values[first.key] ?? "") else { continue }
            let name = axes.dropFirst().map { "\($0.key)=\(row.values[$0.key] ?? "")" }.joined(separator: ", ")
            if lines[name] == nil { order.append(name); lines[name] = Line(name: name.isEmpty ? metric : name, points: []) }
            lines[name]!.points.append((x, y, halfName.flatMap { row.metrics[$0] }))
        }
        title = "\(target): \(metric) by \(first.key)"
        xLabel = first.key
        yLabel = metric
        categories = first.values
        self.lines = order.map { lines[$0]! }
    }

    static let palette = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#66456b", "#00798c", "#8a6d3b", "#555555"]

    var svg: String {
        let width = 720.0, height = 420.0, left = 70.0, right = 190.0, top = 40.0, bottom = 60.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let values = lines.flatMap { $0.points.flatMap { [$0.y - ($0.half ?? 0), $0.y + ($0.half ?? 0)] } }
        let (low, high, step) = Self.ticks(min: values.min() ?? 0, max: values.max() ?? 1)
        func px(_ index: Int) -> Double { left + plotWidth * (Double(index) + 0.5) / Double(categories.count) }
        func py(_ value: Double) -> Double { top + plotHeight * (1 - (value - low) / (high - low)) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="22" font-size="15">\(Self.escaped(title))</text>

            """
        var tick = low
        while tick <= high + step / 2 {
            let y = py(tick)
            out += "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
            tick += step
        }
        for (index, category) in categories.enumerated() {
            out += "<text x=\"\(px(index))\" y=\"\(top + plotHeight + 18)\" text-anchor=\"middle\">\(Self.escaped(category))</text>\n"
        }
        out += "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(top + plotHeight)\" y2=\"\(top + plotHeight)\" stroke=\"black\"/>\n"
        out += "<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 16)\" text-anchor=\"middle\">\(Self.escaped(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(top + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">"
            + "\(Self.escaped(yLabel))</text>\n"
        for (number, line) in lines.enumerated() {
            let color = Self.palette[number % Self.palette.count]
            let points = line.points.sorted { $0.x < $1.x }
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\""
                + points.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ") + "\"/>\n"
            for point in points {
                if let half = point.half, half > 0 {
                    out += "<line x1=\"\(px(point.x))\" x2=\"\(px(point.x))\" y1=\"\(py(point.y - half))\" "
                        + "y2=\"\(py(point.y + half))\" stroke=\"\(color)\"/>"
                }
                out += "<circle cx=\"\(px(point.x))\" cy=\"\(py(point.y))\" r=\"3.5\" fill=\"\(color)\" "
                    + "data-value=\"\(ResultTable.number(point.y))\"/>\n"
            }
            let y = top + 14 + Double(number) * 18
            out += "<line x1=\"\(width - right + 16)\" x2=\"\(width - right + 36)\" y1=\"\(y - 4)\" y2=\"\(y - 4)\" "
                + "stroke=\"\(color)\" stroke-width=\"2\"/><text x=\"\(width - right + 42)\" y=\"\(y)\">"
                + "\(Self.escaped(line.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Axis bounds on a 1-2-5 step that holds every value, with about five ticks.
    static func ticks(min: Double, max: Double) -> (low: Double, high: Double, step: Double) {
        let span = max > min ? max - min : Swift.max(abs(max), 1)
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let low = floor((max > min ? min : min - span / 2) / step) * step
        let high = ceil((max > min ? max : max + span / 2) / step) * step
        return (low, high > low ? high : low + step, step)
    }

    static func label(_ value: Double) -> String { ResultTable.number((value * 1e9).rounded() / 1e9) }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
