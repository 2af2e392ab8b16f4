/// Locale-free decimal formatting, so figures and tables are byte-identical on every machine.
enum NumberFormat {
    /// `value` rounded to `decimals` places; trailing zeros dropped unless `fixed`.
    /// NaN and infinities print as "nan", "inf", "-inf".
    static func decimal(_ value: Double, decimals: Int, fixed: Bool = false) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        // Past 2^53 doubles have no fractional digits left to print.
        guard scaled < 9.0e15 else { return String(value) }
        let units = UInt64(scaled)
        let whole = units / UInt64(scale)
        var fraction = decimals == 0 ? "" : String(units % UInt64(scale))
        fraction = String(repeating: "0", count: max(0, decimals - fraction.count)) + fraction
        if !fixed { while fraction.hasSuffix("0") { fraction.removeLast() } }
        let sign = value < 0 && units != 0 ? "-" : ""
        return sign + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// A coordinate for SVG: two decimals at most.
    static func coordinate(_ value: Double) -> String { decimal(value, decimals: 2) }
}
