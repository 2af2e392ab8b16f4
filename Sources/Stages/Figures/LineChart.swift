/// A line chart: one line per series with markers and error bars, x categorical, linear or log.
public enum LineChart {
    /// The chart as an SVG document.
    public static func svg(_ chart: Chart) -> String {
        let points = chart.series.flatMap(\.points)
        // A numeric axis needs every x (and positive ones for log); otherwise fall back to categories.
        var mode = chart.xAxis
        if mode != .categorical, points.contains(where: { $0.x == nil || !$0.x!.isFinite }) { mode = .categorical }
        if mode == .log, points.contains(where: { $0.x! <= 0 }) { mode = .linear }
        let categories = chart.categories
        let xs = points.compactMap(\.x)

        var entries = chart.series.enumerated().map { i, series in
            Legend.Entry(symbol: .line(colour: Palette.colour(i), marker: .forSeries(i)), label: series.name)
        }
        if chart.series.count == 1, chart.series[0].name.isEmpty { entries = [] }
        if chart.hasPublished { entries.append(.init(symbol: .published, label: "Published (original study)")) }

        // Tick labels: the categories, or nice numeric ticks (computed on a unit range first).
        let numericTicks: [Double]
        switch mode {
        case .categorical: numericTicks = []
        case .linear: numericTicks = LinearScale(covering: xs.min() ?? 0, xs.max() ?? 1, range: (0, 1), maxIntervals: 8).ticks
        case .log: numericTicks = LogScale(covering: xs.min() ?? 1, xs.max() ?? 10, range: (0, 1)).ticks
        }
        let labels = mode == .categorical ? categories : numericTicks.map { NumberFormat.decimal($0, decimals: 6) }
        let frame = ChartFrame(chart: chart, legendEntries: entries, xLabels: labels, xSlot: { width in
            mode == .categorical ? width / Double(max(categories.count, 1)) : width / Double(max(labels.count, 2) - 1)
        })
        // Inset the data from the axes so end markers and error bars stay clear of them.
        let inset = mode == .categorical ? 0 : 14.0
        let xRange = (frame.plot.left + inset, frame.plot.right - inset)
        let bands = BandScale(categories: categories, range: xRange)
        let linear = LinearScale(covering: xs.min() ?? 0, xs.max() ?? 1, range: xRange, maxIntervals: 8)
        let log = LogScale(covering: max(xs.min() ?? 1, 1e-12), max(xs.max() ?? 10, 1e-12), range: xRange)
        func xPosition(_ point: ChartPoint) -> Double? {
            switch mode {
            case .categorical: return bands.index(of: point.label).map(bands.center)
            case .linear: return linear.position(point.x!)
            case .log: return log.position(point.x!)
            }
        }
        let xTicks: [(position: Double, label: String)]
        switch mode {
        case .categorical: xTicks = categories.indices.map { (bands.center($0), categories[$0]) }
        case .linear: xTicks = linear.ticks.map { (linear.position($0), linear.label($0)) }
        case .log: xTicks = log.ticks.map { (log.position($0), log.label($0)) }
        }

        var canvas = SVGCanvas(width: chart.width, height: chart.height)
        frame.drawBackground(into: &canvas)
        frame.drawReferenceLines(into: &canvas)
        // Series sharing an x are dodged a few pixels apart so their error bars stay distinct.
        let dodge = chart.series.count > 1 ? min(5, (bands.bandWidth * 0.25) / Double(chart.series.count)) : 0
        var published: [(Double, Double, String)] = []
        for (s, series) in chart.series.enumerated() {
            let colour = Palette.colour(s)
            let shift = (Double(s) - Double(chart.series.count - 1) / 2) * dodge
            let placed = series.points.compactMap { point -> (Double, ChartPoint)? in
                guard let x = xPosition(point), point.y.isFinite else { return nil }
                return (x + shift, point)
            }
            canvas.beginGroup([("class", "series"), ("data-series", series.name)])
            for (x, point) in placed {
                guard let low = point.low, let high = point.high, low.isFinite, high.isFinite, high > low else { continue }
                let (y1, y2) = (frame.y.position(low), frame.y.position(high))
                canvas.line(x, y1, x, y2, stroke: colour, width: 1.3)
                canvas.line(x - 4, y1, x + 4, y1, stroke: colour, width: 1.3)
                canvas.line(x - 4, y2, x + 4, y2, stroke: colour, width: 1.3)
            }
            canvas.polyline(placed.map { ($0.0, frame.y.position($0.1.y)) }, stroke: colour, width: 2)
            for (x, point) in placed {
                Marker.draw(.forSeries(s), into: &canvas, x: x, y: frame.y.position(point.y), colour: colour)
                if let value = point.published, value.isFinite {
                    published.append((x + 10, frame.y.position(value), colour))
                }
            }
            canvas.endGroup()
        }
        if !published.isEmpty {
            canvas.beginGroup([("class", "published")])
            for (x, y, colour) in published { Marker.publishedDiamond(into: &canvas, x: x, y: y, colour: colour) }
            canvas.endGroup()
        }
        frame.drawAxes(into: &canvas, xTicks: xTicks)
        return canvas.document(label: chart.title)
    }
}
