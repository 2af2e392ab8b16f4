/// The regex character classes the pre-tokenizers use (\p{L}, \p{N}, \s), per Unicode scalar.
enum UnicodeClasses {
    /// \p{L}: general category Lu, Ll, Lt, Lm or Lo.
    @inline(__always) static func isLetter(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// \p{N}: general category Nd, Nl or No (also Rust's char::is_numeric, used by HF's Digits).
    @inline(__always) static func isNumber(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v >= 0x30 && v <= 0x39 }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// \s in Oniguruma's Unicode mode: the White_Space property.
    @inline(__always) static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        return s.properties.isWhitespace
    }

    /// [^\s\p{L}\p{N}]
    @inline(__always) static func isOther(_ s: Unicode.Scalar) -> Bool {
        !isWhitespace(s) && !isLetter(s) && !isNumber(s)
    }

    /// [\r\n]
    @inline(__always) static func isNewline(_ s: Unicode.Scalar) -> Bool { s == "\r" || s == "\n" }
}
