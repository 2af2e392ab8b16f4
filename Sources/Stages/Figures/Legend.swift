import Foundation

/// A legend drawn above the plot, in rows, so it never covers data.
struct Legend {
    enum Symbol: Equatable {
        case bar(colour: String)
        case line(colour: String, marker: MarkerShape)
        case published
        case reference(dash: String)
    }

    struct Entry: Equatable {
        var symbol: Symbol
        var label: String
    }

    static let fontSize = 12.0
    static let rowHeight = 19.0
    static let symbolWidth = 24.0
    static let symbolGap = 6.0
    static let entryGap = 20.0

    let entries: [Entry]
    /// Entries per row, as laid out for the width given to `init`.
    let rows: [[Entry]]

    init(entries: [Entry], maxWidth: Double) {
        self.entries = entries
        var rows: [[Entry]] = []
        var row: [Entry] = []
        var used = 0.0
        for entry in entries {
            let width = Self.width(of: entry)
            if !row.isEmpty, used + Self.entryGap + width > maxWidth {
                rows.append(row); row = []; used = 0
            }
            used += (row.isEmpty ? 0 : Self.entryGap) + width
            row.append(entry)
        }
        if !row.isEmpty { rows.append(row) }
        self.rows = rows
    }

    var height: Double { Double(rows.count) * Self.rowHeight }

    static func width(of entry: Entry) -> Double {
        symbolWidth + symbolGap + TextMetrics.width(entry.label, size: fontSize)
    }

    /// Draws the rows centred on `centerX` but kept within `bounds`, the first row's middle at
    /// `top + rowHeight / 2`.
    func draw(into canvas: inout SVGCanvas, centerX: Double, top: Double, bounds: (Double, Double)) {
        canvas.beginGroup([("class", "legend")])
        for (r, row) in rows.enumerated() {
            let total = row.map(Self.width(of:)).reduce(0, +) + Self.entryGap * Double(row.count - 1)
            var x = max(bounds.0, min(centerX - total / 2, bounds.1 - total))
            let middle = top + (Double(r) + 0.5) * Self.rowHeight
            for entry in row {
                Self.drawSymbol(entry.symbol, into: &canvas, x: x, middle: middle)
                canvas.text(entry.label, x: x + Self.symbolWidth + Self.symbolGap, y: middle, size: Self.fontSize, dy: "0.35em")
                x += Self.width(of: entry) + Self.entryGap
            }
        }
        canvas.endGroup()
    }

    private static func drawSymbol(_ symbol: Symbol, into canvas: inout SVGCanvas, x: Double, middle: Double) {
        let center = x + symbolWidth / 2
        switch symbol {
        case let .bar(colour):
            canvas.rect(x + 4, middle - 6, symbolWidth - 8, 12, fill: colour)
        case let .line(colour, marker):
            canvas.line(x, middle, x + symbolWidth, middle, stroke: colour, width: 2)
            Marker.draw(marker, into: &canvas, x: center, y: middle, colour: colour)
        case .published:
            Marker.publishedDiamond(into: &canvas, x: center, y: middle, colour: Palette.published)
        case let .reference(dash):
            canvas.line(x, middle, x + symbolWidth, middle, stroke: Palette.reference, width: 1.3, dash: dash)
        }
    }
}

/// Point markers: filled series shapes, and the hollow diamond of a published value.
enum Marker {
    static let radius = 4.2

    static func draw(_ shape: MarkerShape, into canvas: inout SVGCanvas, x: Double, y: Double, colour: String) {
        let r = radius
        switch shape {
        case .circle:
            canvas.circle(x, y, r, fill: colour, stroke: "#FFFFFF", strokeWidth: 0.8)
        case .square:
            canvas.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8, fill: colour, extra: [("stroke", "#FFFFFF"), ("stroke-width", "0.8")])
        case .triangleUp:
            canvas.polyline([(x, y - r * 1.15), (x + r * 1.1, y + r * 0.75), (x - r * 1.1, y + r * 0.75)],
                            closed: true, fill: colour, stroke: "#FFFFFF", width: 0.8)
        case .triangleDown:
            canvas.polyline([(x, y + r * 1.15), (x + r * 1.1, y - r * 0.75), (x - r * 1.1, y - r * 0.75)],
                            closed: true, fill: colour, stroke: "#FFFFFF", width: 0.8)
        case .hexagon:
            let points = (0..<6).map { k -> (Double, Double) in
                let angle = Double(k) * Double.pi / 3
                return (x + r * 1.05 * cos(angle), y + r * 1.05 * sin(angle))
            }
            canvas.polyline(points, closed: true, fill: colour, stroke: "#FFFFFF", width: 0.8)
        }
    }

    /// A hollow (white-filled) diamond, so it reads over bars, lines and gridlines alike.
    static func publishedDiamond(into canvas: inout SVGCanvas, x: Double, y: Double, colour: String) {
        let r = 5.2
        canvas.polyline([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], closed: true,
                        fill: "#FFFFFF", stroke: colour, width: 1.6)
    }
}
