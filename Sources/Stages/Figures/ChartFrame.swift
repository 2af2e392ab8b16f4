import Foundation

/// The layout and furniture every chart shares: title, legend, plot area, y axis with gridlines,
/// reference lines and the x axis; the chart types draw their data inside `plot`.
struct ChartFrame {
    struct Rect { var left, top, right, bottom: Double
        var width: Double { right - left }
        var height: Double { bottom - top }
    }

    /// How x tick labels are set: straight (possibly wrapped to several lines) or rotated.
    enum XLabelStyle: Equatable { case straight(lines: [[String]]), rotated(labels: [String]) }

    /// Rotated labels longer than this are shortened with an ellipsis (the CSV has them whole).
    static let maxRotatedWidth = 150.0

    static let titleSize = 16.0
    static let axisLabelSize = 13.0
    static let tickLabelSize = 11.5
    static let tickLength = 4.0
    static let padding = 12.0
    static let rotation = -35.0
    static let referenceDashes = ["6 4", "2 3", "9 3 2 3"]

    let chart: Chart
    let titleLines: [String]
    let legend: Legend
    let plot: Rect
    let y: ValueScale
    let xLabelStyle: XLabelStyle

    /// Lays out `chart` with `legendEntries` (reference lines are added here) and x tick labels
    /// `xLabels` that each get about `xSlot` pixels of width when the plot is `plotWidth` wide
    /// (`xSlot` maps the plot width to the room per label).
    init(chart: Chart, legendEntries: [Legend.Entry], xLabels: [String], xSlot: (Double) -> Double) {
        self.chart = chart
        let p = Self.padding
        titleLines = chart.title.isEmpty ? [] : TextMetrics.wrap(chart.title, size: Self.titleSize, maxWidth: chart.width - 2 * p, bold: true)
        var entries = legendEntries
        for (i, line) in chart.referenceLines.enumerated() {
            entries.append(.init(symbol: .reference(dash: Self.referenceDashes[i % Self.referenceDashes.count]), label: line.label))
        }
        legend = Legend(entries: entries, maxWidth: chart.width - 2 * p)
        var top = p + Double(titleLines.count) * Self.titleSize * 1.25
        if !legend.rows.isEmpty { top += 6 + legend.height }
        top += 12

        // Y domain first: its tick labels decide the left margin.
        let provisional = ValueScale(chart, range: (0, 1))
        let tickWidth = provisional.ticks.map { TextMetrics.width(provisional.label($0), size: Self.tickLabelSize) }.max() ?? 0
        var left = p + (chart.yLabel.isEmpty ? 0 : Self.axisLabelSize + 10) + tickWidth + Self.tickLength + 6
        let right = chart.width - p - 6

        // X labels: straight if each fits its slot (wrapping at spaces up to 3 lines), else rotated.
        let slot = xSlot(right - left) * 0.92
        let wrapped = xLabels.map { TextMetrics.wrap($0, size: Self.tickLabelSize, maxWidth: slot) }
        let fits = wrapped.allSatisfy { lines in
            lines.count <= 3 && lines.allSatisfy { TextMetrics.width($0, size: Self.tickLabelSize) <= slot }
        }
        let lineHeight = Self.tickLabelSize * 1.2
        let labelsHeight: Double
        if fits || xLabels.isEmpty {
            xLabelStyle = .straight(lines: wrapped)
            labelsHeight = Double(wrapped.map(\.count).max() ?? 1) * lineHeight
        } else {
            let shortened = xLabels.map { Self.shortened($0, maxWidth: Self.maxRotatedWidth) }
            xLabelStyle = .rotated(labels: shortened)
            let longest = shortened.map { TextMetrics.width($0, size: Self.tickLabelSize) }.max() ?? 0
            let angle = abs(Self.rotation) * Double.pi / 180
            labelsHeight = longest * sin(angle) + Self.tickLabelSize * cos(angle)
            // The first label runs left of its tick: widen the margin so it stays on the canvas.
            let firstReach = TextMetrics.width(shortened[0], size: Self.tickLabelSize) * cos(angle)
            left = max(left, p + firstReach - xSlot(right - left) / 2)
        }
        var bottom = chart.height - p - labelsHeight - Self.tickLength - 6
        if !chart.xLabel.isEmpty { bottom -= Self.axisLabelSize + 10 }
        plot = Rect(left: left, top: top, right: right, bottom: bottom)
        y = ValueScale(chart, range: (bottom, top))
    }

    /// `text` cut at a word or character boundary to fit `maxWidth`, with an ellipsis.
    static func shortened(_ text: String, maxWidth: Double) -> String {
        guard TextMetrics.width(text, size: tickLabelSize) > maxWidth else { return text }
        var kept = text
        while !kept.isEmpty, TextMetrics.width(kept + "…", size: tickLabelSize) > maxWidth { kept.removeLast() }
        return kept.trimmingCharacters(in: .whitespaces) + "…"
    }

    /// Title, legend, gridlines and reference lines: everything under the data.
    func drawBackground(into canvas: inout SVGCanvas) {
        for (i, line) in titleLines.enumerated() {
            canvas.text(line, x: chart.width / 2, y: Self.padding + Self.titleSize * (0.9 + 1.25 * Double(i)),
                        size: Self.titleSize, anchor: .middle, bold: true)
        }
        if !legend.rows.isEmpty {
            legend.draw(into: &canvas, centerX: (plot.left + plot.right) / 2,
                        top: Self.padding + Double(titleLines.count) * Self.titleSize * 1.25 + 6,
                        bounds: (Self.padding, chart.width - Self.padding))
        }
        canvas.beginGroup([("class", "grid")])
        for tick in y.ticks where tick != y.domain.low {
            canvas.line(plot.left, y.position(tick), plot.right, y.position(tick), stroke: Palette.grid, width: 0.8)
        }
        canvas.endGroup()
    }

    /// Reference lines over the data would hide nothing important but read as data: draw them
    /// after the grid and before the data.
    func drawReferenceLines(into canvas: inout SVGCanvas) {
        guard !chart.referenceLines.isEmpty else { return }
        canvas.beginGroup([("class", "reference-lines")])
        for (i, line) in chart.referenceLines.enumerated() where line.y >= y.domain.low && line.y <= y.domain.high {
            canvas.line(plot.left, y.position(line.y), plot.right, y.position(line.y), stroke: Palette.reference,
                        width: 1.3, dash: Self.referenceDashes[i % Self.referenceDashes.count])
        }
        canvas.endGroup()
    }

    /// Axes, ticks and their labels, on top of the data. `xTicks` are pixel positions and labels.
    func drawAxes(into canvas: inout SVGCanvas, xTicks: [(position: Double, label: String)]) {
        canvas.beginGroup([("class", "axes")])
        canvas.line(plot.left, plot.top, plot.left, plot.bottom, stroke: Palette.axis, width: 1)
        canvas.line(plot.left, plot.bottom, plot.right, plot.bottom, stroke: Palette.axis, width: 1)
        for tick in y.ticks {
            let position = y.position(tick)
            canvas.line(plot.left - Self.tickLength, position, plot.left, position, stroke: Palette.axis)
            canvas.text(y.label(tick), x: plot.left - Self.tickLength - 3, y: position, size: Self.tickLabelSize,
                        anchor: .end, dy: "0.35em")
        }
        let labelTop = plot.bottom + Self.tickLength + 3
        for (i, tick) in xTicks.enumerated() {
            canvas.line(tick.position, plot.bottom, tick.position, plot.bottom + Self.tickLength, stroke: Palette.axis)
            switch xLabelStyle {
            case let .straight(lines):
                let tickLines = i < lines.count ? lines[i] : [tick.label]
                for (k, line) in tickLines.enumerated() {
                    canvas.text(line, x: tick.position, y: labelTop + Self.tickLabelSize * (0.85 + 1.2 * Double(k)),
                                size: Self.tickLabelSize, anchor: .middle)
                }
            case let .rotated(labels):
                canvas.text(i < labels.count ? labels[i] : tick.label, x: tick.position + 3, y: labelTop + Self.tickLabelSize * 0.7,
                            size: Self.tickLabelSize, anchor: .end, rotate: Self.rotation)
            }
        }
        if !chart.yLabel.isEmpty {
            let x = Self.padding + Self.axisLabelSize * 0.8, middle = (plot.top + plot.bottom) / 2
            canvas.text(chart.yLabel, x: x, y: middle, size: Self.axisLabelSize, anchor: .middle, rotate: -90)
        }
        if !chart.xLabel.isEmpty {
            canvas.text(chart.xLabel, x: (plot.left + plot.right) / 2, y: chart.height - Self.padding - 2,
                        size: Self.axisLabelSize, anchor: .middle)
        }
        canvas.endGroup()
    }
}
