import Foundation

/// A table of text cells, written and read as RFC 4180 CSV (CRLF line ends, quoted when needed).
public struct CSVTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) { self.header = header; self.rows = rows }

    /// A field quoted when it holds a comma, quote, CR or LF (or leading/trailing spaces, which
    /// some readers trim); inner quotes doubled.
    public static func field(_ text: String) -> String {
        let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
            || text.first == " " || text.last == " "
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The CSV text: header then rows, each line ended by CRLF.
    public func serialized() -> String {
        ([header] + rows).map { $0.map(Self.field).joined(separator: ",") + "\r\n" }.joined()
    }

    /// Parses CSV text (CRLF or LF line ends); the first record is the header.
    public init(parsing text: String) throws {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false, afterQuote = false, line = 1
        var any = false
        for character in text {
            any = true
            if quoted {
                if character == "\"" { quoted = false; afterQuote = true } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"":
                if afterQuote { field.append("\""); quoted = true; afterQuote = false } // "" inside quotes
                else if field.isEmpty { quoted = true }
                else { throw CSVError(line: line, reason: "quote inside an unquoted field") }
            case ",":
                record.append(field); field = ""; afterQuote = false
            case "\n", "\r\n", "\r":
                record.append(field); field = ""; afterQuote = false
                records.append(record); record = []; any = false
                line += 1
            default:
                if afterQuote { throw CSVError(line: line, reason: "text after a closing quote") }
                field.append(character)
            }
        }
        if quoted { throw CSVError(line: line, reason: "unterminated quoted field") }
        if any { record.append(field); records.append(record) }
        guard let header = records.first else { throw CSVError(line: 1, reason: "no header row") }
        for (i, record) in records.enumerated().dropFirst() where record.count != header.count {
            throw CSVError(line: i + 1, reason: "\(record.count) fields, the header has \(header.count)")
        }
        self.header = header
        self.rows = Array(records.dropFirst())
    }
}

/// A CSV text that does not parse.
public struct CSVError: Error, CustomStringConvertible, Sendable, Equatable {
    public var line: Int
    public var reason: String
    public var description: String { "CSV line \(line): \(reason)" }
}
