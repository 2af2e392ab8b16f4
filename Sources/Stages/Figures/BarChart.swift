/// A grouped bar chart: one group per category, one bar per series, with error bars; bars grow from
/// 0 on a linear y axis and from 1× on a ratio axis (`Chart.yAxis`).
public enum BarChart {
    static let maxBarWidth = 64.0

    /// The chart as an SVG document.
    public static func svg(_ chart: Chart) -> String {
        let categories = chart.categories
        var entries = chart.series.enumerated().map { i, series in
            Legend.Entry(symbol: .bar(colour: Palette.colour(i)), label: series.name)
        }
        // A single unnamed series needs no legend.
        if chart.series.count == 1, chart.series[0].name.isEmpty { entries = [] }
        if chart.hasPublished { entries.append(.init(symbol: .published, label: "Published (original study)")) }
        let frame = ChartFrame(chart: chart, legendEntries: entries, xLabels: categories,
                               xSlot: { $0 / Double(max(categories.count, 1)) })
        let bands = BandScale(categories: categories, range: (frame.plot.left, frame.plot.right))
        var canvas = SVGCanvas(width: chart.width, height: chart.height)
        frame.drawBackground(into: &canvas)
        frame.drawReferenceLines(into: &canvas)

        let seriesCount = Double(max(chart.series.count, 1))
        // Bars stay slim when there are few of them, as in a paper's figure.
        let gap = chart.series.count > 1 ? min(2, bands.bandWidth * 0.8 / seriesCount * 0.1) : 0
        let barWidth = min(bands.bandWidth * (chart.series.count > 1 ? 0.8 : 0.6) / seriesCount - gap, Self.maxBarWidth)
        let groupWidth = (barWidth + gap) * seriesCount
        let baseline = frame.y.position(frame.y.baseline)
        let capHalf = min(barWidth * 0.18, 5)
        var published: [(Double, Double)] = []
        for (s, series) in chart.series.enumerated() {
            canvas.beginGroup([("class", "series"), ("data-series", series.name)])
            for point in series.points {
                guard let c = bands.index(of: point.label), point.y.isFinite else { continue }
                let left = bands.center(c) - groupWidth / 2 + Double(s) * (barWidth + gap) + gap / 2
                let center = left + barWidth / 2
                let top = frame.y.position(point.y)
                canvas.rect(left, min(top, baseline), barWidth, abs(baseline - top), fill: Palette.colour(s),
                            extra: [("data-label", point.label), ("data-value", NumberFormat.decimal(point.y, decimals: 4))])
                if let low = point.low, let high = point.high, low.isFinite, high.isFinite, high > low {
                    let (y1, y2) = (frame.y.position(low), frame.y.position(high))
                    canvas.line(center, y1, center, y2, stroke: Palette.errorBar, width: 1.2)
                    canvas.line(center - capHalf, y1, center + capHalf, y1, stroke: Palette.errorBar, width: 1.2)
                    canvas.line(center - capHalf, y2, center + capHalf, y2, stroke: Palette.errorBar, width: 1.2)
                }
                if let value = point.published, value.isFinite {
                    // Beside our error bar, not on it, while staying over our bar where it fits.
                    let offset = min(max(capHalf + 6.5, barWidth * 0.3), max(barWidth / 2, capHalf + 6.5))
                    published.append((center + offset, frame.y.position(value)))
                }
            }
            canvas.endGroup()
        }
        if !published.isEmpty {
            canvas.beginGroup([("class", "published")])
            for (x, y) in published { Marker.publishedDiamond(into: &canvas, x: x, y: y, colour: Palette.published) }
            canvas.endGroup()
        }
        frame.drawAxes(into: &canvas, xTicks: categories.indices.map { (bands.center($0), categories[$0]) })
        return canvas.document(label: chart.title)
    }
}
