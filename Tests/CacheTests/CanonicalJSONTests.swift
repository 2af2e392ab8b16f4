import Foundation
import Testing
@testable import Cache

@Suite struct CanonicalJSONTests {
    @Test func encodesSortedCompactAndReadable() {
        #expect(CanonicalJSON.encode([:]) == "{}")
        #expect(CanonicalJSON.encode(["b": "2", "a": "Sources/x.swift"]) == #"{"a":"Sources/x.swift","b":"2"}"#)
    }

    @Test func roundTripsAwkwardStrings() throws {
        let map = ["quote\"back\\slash": "tab\tnewline\nbell\u{07}", "ünïcödé 🧪": "", "": "empty key"]
        let json = CanonicalJSON.encode(map)
        #expect(try CanonicalJSON.decode(json) == map)
        // Foundation reads it the same way, so it is plain JSON.
        #expect(try JSONDecoder().decode([String: String].self, from: Data(json.utf8)) == map)
    }

    @Test func readsAnyFlatObjectOfStrings() throws {
        #expect(try CanonicalJSON.decode(#" { "a" : "\u00e9\ud83e\uddea\/" , "b":"" } "#) == ["a": "é🧪/", "b": ""])
    }

    @Test(arguments: ["", "{", #"{"a":1}"#, #"{"a":"b",}"#, #"{"a":"b"} x"#, #"{"a":"\x"}"#, #"{"a":"\ud83e"}"#, "[]"])
    func rejectsWhatIsNotAFlatObjectOfStrings(json: String) {
        #expect(throws: CanonicalJSON.Malformed.self) { try CanonicalJSON.decode(json) }
    }
}
