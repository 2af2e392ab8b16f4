/// Estimated text widths, to lay out labels without a font engine.
///
/// Widths are Helvetica's advance widths scaled up by 12%, which also covers the wider fonts a
/// viewer may fall back to (Arial and Liberation Sans match Helvetica; DejaVu Sans is ~10% wider),
/// so layouts err on the side of room.
enum TextMetrics {
    /// Helvetica advance widths for ASCII 32...126, in 1/1000 em.
    private static let helvetica: [Int] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    ]

    /// Width in pixels of `text` at `size` px; bold text is about 6% wider.
    static func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        var units = 0
        for scalar in text.unicodeScalars {
            let v = Int(scalar.value)
            units += (32...126).contains(v) ? helvetica[v - 32] : 600
        }
        return Double(units) / 1000 * size * 1.12 * (bold ? 1.06 : 1)
    }

    /// Splits `text` into lines no wider than `maxWidth` at spaces (a long word stays whole).
    static func wrap(_ text: String, size: Double, maxWidth: Double, bold: Bool = false) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if current.isEmpty || width(candidate, size: size, bold: bold) <= maxWidth {
                current = candidate
            } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
