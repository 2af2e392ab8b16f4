import Foundation

/// Number formats of the Topic B tables.
enum ProbabilityFormat {
    /// A probability or ratio with 4 significant digits ("1.234e-05", "0.5").
    static func value(_ x: Double) -> String {
        guard x.isFinite else { return x > 0 ? "inf" : (x < 0 ? "-inf" : "nan") }
        return String(format: "%.4g", x)
    }

    /// log2 of a ratio for the bar charts, clamped to ±30 so an underflowed probability stays drawable.
    static func log2Ratio(_ ratio: Double) -> Double {
        guard ratio > 0 else { return -30 }
        return max(-30, min(30, Foundation.log2(ratio)))
    }

    /// a / b with 0 / 0 = 1 and a / 0 = inf.
    static func ratio(_ a: Double, _ b: Double) -> Double {
        if b > 0 { return a / b }
        return a > 0 ? .infinity : 1
    }

    /// A token's text for a table: quoted, spaces kept visible.
    static func token(_ text: String) -> String { "'" + text + "'" }
}
