/// The JSON of a string map as the index stores it: sorted keys, no whitespace, "/" unescaped,
/// so equal maps are equal strings (and paths stay readable in `sqlite3`).
///
/// Hand-written because Foundation's JSONDecoder costs about 10 µs per small map, and a
/// no-op build decodes three maps for each of its ~200 stages.
public enum CanonicalJSON {
    /// Text that is not a flat JSON object of strings.
    struct Malformed: Error, CustomStringConvertible {
        var description: String { "a JSON column is not an object of strings" }
    }

    static func encode(_ map: [String: String]) -> String {
        var json = "{"
        for (index, key) in map.keys.sorted().enumerated() {
            if index > 0 { json += "," }
            quote(key, into: &json)
            json += ":"
            quote(map[key]!, into: &json)
        }
        return json + "}"
    }

    /// Appends `text` as a JSON string: quotes, backslash escapes, \u00XX for other controls,
    /// everything else (including "/" and non-ASCII) as is. Pipeline's keys use it too.
    public static func quote(_ text: String, into json: inout String) {
        json += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }

    /// Parses any flat JSON object whose values are strings (whitespace and every escape
    /// allowed), not only the canonical form.
    static func decode(_ json: String) throws -> [String: String] {
        var json = json
        return try json.withUTF8 { bytes in
            var parser = Parser(bytes: bytes)
            return try parser.object()
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        mutating func object() throws(Malformed) -> [String: String] {
            var map: [String: String] = [:]
            try expect(UInt8(ascii: "{"))
            if peek() == UInt8(ascii: "}") {
                position += 1
            } else {
                while true {
                    let key = try string()
                    try expect(UInt8(ascii: ":"))
                    map[key] = try string()
                    let next = try take()
                    if next == UInt8(ascii: "}") { break }
                    guard next == UInt8(ascii: ",") else { throw Malformed() }
                }
            }
            guard peek() == nil else { throw Malformed() }
            return map
        }

        /// The next non-space byte, not consumed.
        mutating func peek() -> UInt8? {
            while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
            return position < bytes.count ? bytes[position] : nil
        }

        mutating func take() throws(Malformed) -> UInt8 {
            guard let byte = peek() else { throw Malformed() }
            position += 1
            return byte
        }

        mutating func expect(_ byte: UInt8) throws(Malformed) {
            guard try take() == byte else { throw Malformed() }
        }

        mutating func string() throws(Malformed) -> String {
            try expect(UInt8(ascii: "\""))
            let start = position
            // Fast path: no escapes, the bytes are the string.
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                position += 1
            }
            guard position < bytes.count else { throw Malformed() }
            var text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            while bytes[position] == UInt8(ascii: "\\") {
                position += 1
                guard position < bytes.count else { throw Malformed() }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.unicodeScalars.append(Unicode.Scalar(escape))
                case UInt8(ascii: "n"): text += "\n"
                case UInt8(ascii: "r"): text += "\r"
                case UInt8(ascii: "t"): text += "\t"
                case UInt8(ascii: "b"): text += "\u{08}"
                case UInt8(ascii: "f"): text += "\u{0C}"
                case UInt8(ascii: "u"): text.unicodeScalars.append(try unicodeEscape())
                default: throw Malformed()
                }
                let runStart = position
                while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                    position += 1
                }
                guard position < bytes.count else { throw Malformed() }
                text += String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<position]), as: UTF8.self)
            }
            position += 1   // the closing quote
            return text
        }

        /// After `\u`: four hex digits, or a surrogate pair `\uD8xx\uDCxx`.
        mutating func unicodeEscape() throws(Malformed) -> Unicode.Scalar {
            let high = try hex4()
            guard (0xD800..<0xDC00).contains(high) else {
                guard let scalar = Unicode.Scalar(high) else { throw Malformed() }
                return scalar
            }
            guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                  bytes[position + 1] == UInt8(ascii: "u") else { throw Malformed() }
            position += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low),
                  let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            else { throw Malformed() }
            return scalar
        }

        mutating func hex4() throws(Malformed) -> UInt32 {
            guard position + 4 <= bytes.count else { throw Malformed() }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = hexDigit(bytes[position]) else { throw Malformed() }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        func hexDigit(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }
    }
}
