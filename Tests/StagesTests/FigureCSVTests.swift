import Testing
@testable import Stages

/// RFC 4180 writing and reading of tables.
@Suite struct FigureCSVTests {
    @Test func quotesOnlyWhatNeedsIt() {
        #expect(CSVTable.field("plain") == "plain")
        #expect(CSVTable.field("a,b") == "\"a,b\"")
        #expect(CSVTable.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVTable.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVTable.field(" padded") == "\" padded\"")
        #expect(CSVTable.field("") == "")
        let table = CSVTable(header: ["series", "label"], rows: [["a,b", "x"]])
        #expect(table.serialized() == "series,label\r\n\"a,b\",x\r\n")
    }

    @Test func roundTrips() throws {
        let table = CSVTable(header: ["series", "label", "mean"],
                             rows: [["Student, aux", "say \"noise\"", "54.9"], ["multi\r\nline", "", "1"], ["é ü", " x ", "-0.5"]])
        #expect(try CSVTable(parsing: table.serialized()) == table)
        // LF line ends and a missing final newline read the same.
        #expect(try CSVTable(parsing: "a,b\n1,2") == CSVTable(header: ["a", "b"], rows: [["1", "2"]]))
    }

    @Test func rejectsMalformedText() {
        #expect(throws: CSVError.self) { try CSVTable(parsing: "a,b\r\n\"open,2\r\n") }
        #expect(throws: CSVError.self) { try CSVTable(parsing: "a,b\r\n1,2,3\r\n") }
        #expect(throws: CSVError.self) { try CSVTable(parsing: "a,b\r\nx\"y,2\r\n") }
        #expect(throws: CSVError.self) { try CSVTable(parsing: "") }
    }
}
