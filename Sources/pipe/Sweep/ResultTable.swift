import Foundation
import ArgumentParser

/// Rows under named columns, printed aligned for people and written as CSV for programs.
struct ResultTable {
    var columns: [String]
    var rows: [[String]]

    /// Columns padded to their widest cell, two spaces apart.
    var text: String {
        let widths = columns.indices.map { column in
            ([columns[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(columns)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// RFC 4180: a cell with a comma, quote or newline is quoted, its quotes doubled.
    var csv: String {
        func cell(_ text: String) -> String {
            text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        return ([columns] + rows).map { $0.map(cell).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// A metric as the table shows it: up to 6 significant digits, the same every time.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.6g", value)
    }

    /// Sorts rows by `column`: numerically when both cells are numbers, else as text.
    mutating func sort(by column: String, descending: Bool) throws {
        guard let index = columns.firstIndex(of: column) else {
            throw ValidationError("no column '\(column)' to sort by; the columns are: \(columns.joined(separator: ", "))")
        }
        rows.sort { a, b in
            let ordered: Bool
            if let x = Double(a[index]), let y = Double(b[index]) { ordered = x < y } else { ordered = a[index] < b[index] }
            return descending ? !ordered && a[index] != b[index] : ordered
        }
    }
}
