/// Python's str.strip()/rstrip() (Jinja's `trim`), which strip the characters str.isspace() accepts.
enum PythonWhitespace {
    /// str.isspace(): bidirectional class WS, B or S, or general category Zs.
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `text.strip()`.
    static func strip(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var lower = 0, upper = scalars.count
        while lower < upper && isSpace(scalars[lower]) { lower += 1 }
        while upper > lower && isSpace(scalars[upper - 1]) { upper -= 1 }
        return String(String.UnicodeScalarView(scalars[lower..<upper]))
    }

    /// `text.rstrip()`.
    static func rstrip(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var upper = scalars.count
        while upper > 0 && isSpace(scalars[upper - 1]) { upper -= 1 }
        return String(String.UnicodeScalarView(scalars[0..<upper]))
    }
}
