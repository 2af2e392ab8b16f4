import Foundation
import Pipeline

/// A two-axis sweep's metric as a heat map: the first axis across, the second down, each cell
/// shaded by its value (light to dark) and labelled with it; a point without the metric is grey.
/// Written beside the line figure (sweep-heatmap.svg) when the grid has exactly two axes.
struct SweepHeatmap {
    var title: String
    var columns: (key: String, values: [String])
    var rows: (key: String, values: [String])
    /// cells[row][column], nil where the point has no value (failed, or without the metric).
    var cells: [[Double?]]

    /// The map of `metric` over the table's rows; nil unless there are two axes and a row has it.
    init?(metric: String, axes: [SweepGrid.Axis], rows table: [(values: [String: String], metrics: [String: Double])],
          target: String) {
        guard axes.count == 2, table.contains(where: { $0.metrics[metric] != nil }) else { return nil }
        let (across, down) = (axes[0], axes[1])
        var cells = [[Double?]](repeating: [Double?](repeating: nil, count: across.values.count), count: down.values.count)
        for row in table {
            guard let column = across.values.firstIndex(of: row.values[across.key] ?? ""),
                  let line = down.values.firstIndex(of: row.values[down.key] ?? "") else { continue }
            cells[line][column] = row.metrics[metric]
        }
        title = "\(target): \(metric) by \(across.key) and \(down.key)"
        columns = (across.key, across.values)
        rows = (down.key, down.values)
        self.cells = cells
    }

    /// The shade of a value at `fraction` (0: lowest, 1: highest) of the map's range, light to dark blue.
    static func shade(_ fraction: Double) -> (fill: String, text: String) {
        let light = (236.0, 243.0, 250.0), dark = (8.0, 69.0, 148.0)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * fraction).rounded()) }
        let fill = String(format: "#%02x%02x%02x", mix(light.0, dark.0), mix(light.1, dark.1), mix(light.2, dark.2))
        return (fill, fraction > 0.55 ? "white" : "black")
    }

    var svg: String {
        let cell = (width: 90.0, height: 40.0), left = 130.0, top = 70.0
        // Wide enough for the title too (about 8.5 px a character at 15 px).
        let width = max(left + cell.width * Double(columns.values.count) + 30, 32 + 8.5 * Double(title.count))
        let height = top + cell.height * Double(rows.values.count) + 50
        let values = cells.flatMap { $0.compactMap { $0 } }
        let (low, high) = (values.min() ?? 0, values.max() ?? 0)
        let escaped = SweepFigure.escaped
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="16" y="22" font-size="15">\(escaped(title))</text>
            <text x="\(left + cell.width * Double(columns.values.count) / 2)" y="\(top - 28)" text-anchor="middle">\
            \(escaped(columns.key))</text>
            <text x="16" y="\(top - 8)">\(escaped(rows.key))</text>

            """
        for (index, value) in columns.values.enumerated() {
            out += "<text x=\"\(left + cell.width * (Double(index) + 0.5))\" y=\"\(top - 8)\" text-anchor=\"middle\">"
                + "\(escaped(value))</text>\n"
        }
        for (line, label) in rows.values.enumerated() {
            let y = top + cell.height * Double(line)
            out += "<text x=\"\(left - 8)\" y=\"\(y + cell.height / 2 + 4)\" text-anchor=\"end\">\(escaped(label))</text>\n"
            for column in columns.values.indices {
                let x = left + cell.width * Double(column)
                guard let value = cells[line][column] else {
                    out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell.width)\" height=\"\(cell.height)\" fill=\"#d9d9d9\" "
                        + "stroke=\"white\"/><text x=\"\(x + cell.width / 2)\" y=\"\(y + cell.height / 2 + 4)\" "
                        + "text-anchor=\"middle\" fill=\"#555555\">–</text>\n"
                    continue
                }
                let shade = Self.shade(high > low ? (value - low) / (high - low) : 0.5)
                out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell.width)\" height=\"\(cell.height)\" fill=\"\(shade.fill)\" "
                    + "stroke=\"white\" data-value=\"\(ResultTable.number(value))\"/>"
                    + "<text x=\"\(x + cell.width / 2)\" y=\"\(y + cell.height / 2 + 4)\" text-anchor=\"middle\" "
                    + "fill=\"\(shade.text)\">\(escaped(SweepFigure.label(value)))</text>\n"
            }
        }
        return out + "</svg>\n"
    }
}
