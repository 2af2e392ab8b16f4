/// The y axis of a chart: linear (including zero) or a log axis of ratios (including 1×), chosen by
/// `Chart.yAxis`; the chart types ask it for positions, ticks and where bars start.
enum ValueScale {
    case linear(LinearScale)
    case ratio(RatioScale)

    /// The axis for `chart`'s values on pixel `range`.
    init(_ chart: Chart, range: (Double, Double)) {
        switch chart.yAxis {
        case .linear:
            let extent = chart.yExtent
            self = .linear(LinearScale(covering: chart.yMin ?? extent.low, chart.yMax ?? extent.high, range: range))
        case .logRatio:
            let extent = chart.positiveYExtent
            self = .ratio(RatioScale(covering: chart.yMin ?? extent.low, chart.yMax ?? extent.high, range: range))
        }
    }

    var domain: (low: Double, high: Double) {
        switch self { case let .linear(s): return s.domain; case let .ratio(s): return s.domain }
    }

    var ticks: [Double] {
        switch self { case let .linear(s): return s.ticks; case let .ratio(s): return s.ticks }
    }

    func position(_ value: Double) -> Double {
        switch self { case let .linear(s): return s.position(value); case let .ratio(s): return s.position(value) }
    }

    func label(_ value: Double) -> String {
        switch self { case let .linear(s): return s.label(value); case let .ratio(s): return s.label(value) }
    }

    /// The value bars grow from: 0 (or the axis end nearest it) on a linear axis, 1× on a ratio axis.
    var baseline: Double {
        switch self {
        case let .linear(s): return max(s.domain.low, min(0, s.domain.high))
        case let .ratio(s): return s.baseline
        }
    }
}
