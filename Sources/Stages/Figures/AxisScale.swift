import Foundation

/// A linear axis over a "nice" domain: round tick values (1, 2, 2.5 or 5 times a power of ten).
struct LinearScale {
    let domain: (low: Double, high: Double)
    let range: (low: Double, high: Double)
    let ticks: [Double]
    /// Decimals that print every tick exactly.
    let decimals: Int

    /// The nice domain covering `low...high` with at most `maxIntervals` ticks intervals,
    /// mapped onto pixel `range` (which may run backwards, as a y axis does).
    init(covering low: Double, _ high: Double, range: (Double, Double), maxIntervals: Int = 6) {
        var (low, high) = (min(low, high), max(low, high))
        if high - low < 1e-9 { (low, high) = (low - 1, high + 1) }
        let step = Self.niceStep(low, high, maxIntervals: maxIntervals)
        let first = (low / step + 1e-9).rounded(.down), last = (high / step - 1e-9).rounded(.up)
        self.domain = (first * step, last * step)
        self.range = range
        self.ticks = (0...Int(last - first)).map { (first + Double($0)) * step }
        self.decimals = Self.decimals(of: step)
    }

    /// The smallest candidate step that covers the data in at most `maxIntervals` intervals.
    static func niceStep(_ low: Double, _ high: Double, maxIntervals: Int) -> Double {
        let magnitude = pow(10, (log10((high - low) / Double(maxIntervals))).rounded(.down))
        for factor in [1.0, 2, 2.5, 5, 10, 20] {
            let step = factor * magnitude
            let intervals = (high / step - 1e-9).rounded(.up) - (low / step + 1e-9).rounded(.down)
            if intervals <= Double(maxIntervals) { return step }
        }
        return 20 * magnitude
    }

    static func decimals(of step: Double) -> Int {
        for d in 0...8 where abs((step * pow(10, Double(d))).rounded() - step * pow(10, Double(d))) < 1e-6 { return d }
        return 8
    }

    /// Pixel position of `value`.
    func position(_ value: Double) -> Double {
        range.low + (value - domain.low) / (domain.high - domain.low) * (range.high - range.low)
    }

    func label(_ value: Double) -> String { NumberFormat.decimal(value, decimals: decimals, fixed: true) }
}

/// A base-10 logarithmic axis (for doubling sweeps such as 1, 2, 5, 10, 20, 40); ticks at 1, 2, 5 × 10^k.
struct LogScale {
    let domain: (low: Double, high: Double)
    let range: (low: Double, high: Double)
    let ticks: [Double]

    /// `low` must be positive.
    init(covering low: Double, _ high: Double, range: (Double, Double)) {
        let lowExponent = log10(low).rounded(.down), highExponent = log10(max(high, low * 10)).rounded(.up)
        var ticks: [Double] = []
        for exponent in Int(lowExponent)...Int(highExponent) {
            for factor in [1.0, 2, 5] {
                let tick = factor * pow(10, Double(exponent))
                if tick >= low * (1 - 1e-9), tick <= high * (1 + 1e-9) { ticks.append(tick) }
            }
        }
        // The data's ends are labelled too (40 in 1...40) unless a round tick is near them.
        for end in [low, high] where !ticks.contains(where: { abs(log10($0) - log10(end)) < 0.15 }) {
            ticks.append(end)
        }
        self.domain = (low, high)
        self.range = range
        self.ticks = ticks.sorted()
    }

    func position(_ value: Double) -> Double {
        let span = log10(domain.high) - log10(domain.low)
        guard span > 0 else { return (range.low + range.high) / 2 }
        return range.low + (log10(value) - log10(domain.low)) / span * (range.high - range.low)
    }

    func label(_ value: Double) -> String { NumberFormat.decimal(value, decimals: 6) }
}

/// Evenly spaced categories, each a band of equal width; positions are band centres.
struct BandScale {
    let categories: [String]
    let range: (low: Double, high: Double)

    var bandWidth: Double { (range.high - range.low) / Double(max(categories.count, 1)) }

    func center(_ index: Int) -> Double { range.low + (Double(index) + 0.5) * bandWidth }

    func index(of category: String) -> Int? { categories.firstIndex(of: category) }
}
