import Foundation

/// A logarithmic value axis for ratios: ticks at powers of 10 ("0.1×", "1×", "10×") or, when the data
/// spans only a few doublings, powers of 2 ("0.5×", "1×", "2×"); bars grow from 1×.
///
/// Ratios of probabilities span many decades (1e-3 to 1e3 in one figure), which a linear axis of the
/// ratios hides and a linear axis of log2 ratios makes the reader convert; this axis shows the ratio.
struct RatioScale {
    let domain: (low: Double, high: Double)
    let range: (low: Double, high: Double)
    let ticks: [Double]
    /// 2 or 10: the base of the tick values.
    let base: Double

    /// At most this many doublings between the axis ends use powers of 2.
    static let maxDoublings = 10.0
    /// At most this many intervals between ticks; beyond, ticks skip decades (1×, 100×, 10⁴×).
    static let maxIntervals = 8

    /// The axis covering `low...high` (positive; 1 is always included, as the bars start there).
    init(covering low: Double, _ high: Double, range: (Double, Double)) {
        let positive = [low, high].filter { $0 > 0 && $0.isFinite }
        let lo = min(positive.min() ?? 1, 1), hi = max(positive.max() ?? 1, 1)
        // Snap to whole exponents with a little slack so 2.0000001 does not open a new doubling.
        let low2 = (log2(lo) + 1e-9).rounded(.down), high2 = (log2(hi) - 1e-9).rounded(.up)
        let low10 = (log10(lo) + 1e-9).rounded(.down), high10 = (log10(hi) - 1e-9).rounded(.up)
        let (base, first, last): (Double, Double, Double) = high2 - low2 <= Self.maxDoublings
            ? (2, low2, max(high2, low2 + 1)) : (10, low10, max(high10, low10 + 1))
        let step = max(1, (Double(Int(last - first)) / Double(Self.maxIntervals)).rounded(.up))
        // Tick exponents are multiples of the step so 1× (exponent 0) is always a tick.
        let firstTick = (first / step).rounded(.down) * step, lastTick = (last / step).rounded(.up) * step
        self.base = base
        self.domain = (pow(base, firstTick), pow(base, lastTick))
        self.range = range
        self.ticks = stride(from: firstTick, through: lastTick, by: step).map { pow(base, $0) }
    }

    /// Pixel position of `value`; values outside the axis (0, infinity) are drawn at its ends.
    func position(_ value: Double) -> Double {
        let clamped = value.isNaN ? 1 : min(max(value, domain.low), domain.high)
        let span = log(domain.high) - log(domain.low)
        return range.low + (log(clamped) - log(domain.low)) / span * (range.high - range.low)
    }

    /// Where bars start: 1×.
    var baseline: Double { 1 }

    /// "1×", "10×", "0.01×", "1/4×", "1e6×".
    func label(_ value: Double) -> String {
        let exponent = Int((log(value) / log(base)).rounded())
        let text: String
        if base == 2, exponent < 0 {
            text = "1/" + NumberFormat.decimal(pow(2, Double(-exponent)), decimals: 0)
        } else if base == 10, exponent < -3 || exponent > 5 {
            text = "1e\(exponent)"
        } else {
            text = NumberFormat.decimal(value, decimals: max(0, -exponent))
        }
        return text + "×"
    }
}
