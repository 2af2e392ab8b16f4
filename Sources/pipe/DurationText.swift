import Foundation

/// Durations as users type them on the command line: "90", "90s", "30m", "2h", "1d".
enum DurationText {
    /// Seconds, or nil if `text` is not a whole number with an optional unit s, m, h or d.
    static func seconds(_ text: String) -> TimeInterval? {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text), scale: TimeInterval = 1
        if let last = text.last, let unit = units[last] { digits = text.dropLast(); scale = unit }
        guard let value = Int(digits), value >= 0 else { return nil }
        return TimeInterval(value) * scale
    }
}
