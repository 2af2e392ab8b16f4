/// One value of a chart: a category label (and x for numeric axes), the value, its interval.
public struct ChartPoint: Sendable, Equatable {
    /// Category, or the tick label of `x` on a categorical axis.
    public var label: String
    /// Position on a linear or log x axis (line charts); ignored on a categorical axis.
    public var x: Double?
    public var y: Double
    /// Error bar ends (e.g. the 95% interval), nil for none.
    public var low: Double?
    public var high: Double?
    /// The original study's value for this point, drawn as a hollow diamond beside ours.
    public var published: Double?

    public init(label: String, x: Double? = nil, y: Double, low: Double? = nil, high: Double? = nil,
                published: Double? = nil) {
        self.label = label; self.x = x; self.y = y; self.low = low; self.high = high; self.published = published
    }
}

/// A named series of points, drawn in one colour (and, in line charts, one marker shape).
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var points: [ChartPoint]
    public init(name: String, points: [ChartPoint]) { self.name = name; self.points = points }
}

/// A horizontal reference line across the plot, e.g. chance level.
public struct ReferenceLine: Codable, Sendable, Hashable {
    public var label: String
    public var y: Double
    public init(label: String, y: Double) { self.label = label; self.y = y }
}

/// How a line chart places x: by category (evenly spaced, in order), linearly, or on a log scale.
public enum XAxisMode: String, Codable, Sendable, Hashable {
    case categorical, linear, log
}

/// How a chart places y: linearly (from zero), or on a log axis of ratios (from 1×, ticks "10×").
public enum YAxisMode: String, Codable, Sendable, Hashable {
    case linear, logRatio
}

/// Everything a figure shows, independent of its type.
public struct Chart: Sendable, Equatable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    public var referenceLines: [ReferenceLine]
    public var xAxis: XAxisMode
    public var yAxis: YAxisMode
    /// Forced y range ends (nil: from the data, always including zero).
    public var yMin: Double?
    public var yMax: Double?
    public var width: Double
    public var height: Double

    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries],
                referenceLines: [ReferenceLine] = [], xAxis: XAxisMode = .categorical,
                yMin: Double? = nil, yMax: Double? = nil, width: Double = 640, height: Double = 420,
                yAxis: YAxisMode = .linear) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.referenceLines = referenceLines; self.xAxis = xAxis; self.yAxis = yAxis; self.yMin = yMin; self.yMax = yMax
        self.width = width; self.height = height
    }

    /// Category labels in order of first appearance across series.
    var categories: [String] {
        var seen: [String] = []
        for series in series { for point in series.points where !seen.contains(point.label) { seen.append(point.label) } }
        return seen
    }

    var hasPublished: Bool { series.contains { $0.points.contains { $0.published != nil } } }

    /// Every y the axis must show: values, interval ends, published values, reference lines.
    var yExtent: (low: Double, high: Double) {
        let finite = yValues.filter(\.isFinite)
        return (min(0, finite.min() ?? 0), max(finite.max() ?? 1, 0))
    }

    /// The same for a ratio axis: positive finite values only (zeros and infinities are drawn at
    /// the axis ends), always including 1.
    var positiveYExtent: (low: Double, high: Double) {
        let positive = yValues.filter { $0.isFinite && $0 > 0 }
        return (min(1, positive.min() ?? 1), max(1, positive.max() ?? 1))
    }

    private var yValues: [Double] {
        var values = referenceLines.map(\.y)
        for series in series {
            for point in series.points {
                values.append(point.y)
                values += [point.low, point.high, point.published].compactMap { $0 }
            }
        }
        return values
    }
}
