import Foundation
import Testing
@testable import Pipeline

/// The direct encoder must give, for every value, the canonical text of the JSON round trip
/// (JSONEncoder then JSONDecoder) that stage keys were always made of: a difference would
/// change every stored key.
struct JSONValueEncoderTests {
    struct Inner: Codable { var x: Float; var tags: [String]; var maybe: Int? }
    enum Mode: String, Codable { case fast, slow }
    enum Choice: Codable { case none, width(Int), pair(a: Double, b: String) }
    class Base: Codable, @unchecked Sendable { var base = 1 }
    final class Derived: Base {
        var extra = "e"
        override func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(extra, forKey: AnyKey(stringValue: "extra"))
            try super.encode(to: container.superEncoder())
        }
    }
    struct AnyKey: CodingKey {
        var stringValue: String; var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    struct Everything: Codable {
        var int = -3, int8: Int8 = -8, uint64 = UInt64.max, big = Int64.min
        var double = 0.1 + 0.2, whole = 5.0, tiny = 1e-8, large = 1e15, negativeZero = -0.0
        var float: Float = 0.1, floatWhole: Float = 3, floatTiny: Float = 1.5e-7
        var text = "a\"b\\c\n\u{1}é😀", empty = "", flag = true
        var inner = Inner(x: 2.5, tags: ["b", "a"], maybe: nil)
        var nested = [[1, 2], [], [3]], optionals: [Int?] = [1, nil, 3]
        var byName = ["z": 1.5, "a": -2], byNumber = [3: "three", 1: "one"]
        var mode = Mode.slow, choices: [Choice] = [.none, .width(256), .pair(a: 0.25, b: "x")]
        var absent: String? = nil, present: String? = "here"
    }

    private func roundTrip<T: Encodable>(_ value: T) throws -> String {
        try JSONValue(encoding: value).canonical
    }

    @Test func givesTheRoundTripsCanonicalText() throws {
        let everything = Everything()
        #expect(try JSONValueEncoder.encode(everything).canonical == (try roundTrip(everything)))
        #expect(try JSONValueEncoder.encode(Derived()).canonical == (try roundTrip(Derived())))
        for value in [0.0003, 1 / 3.0, 123456.789, -7, 4503599627370496.5, 9007199254740991, 2e-308] {
            #expect(try JSONValueEncoder.encode(value).canonical == (try roundTrip(value)), "\(value)")
        }
        for value: Float in [0.1, 1e-30, 16777216, 1.5e15, -2.5] {
            #expect(try JSONValueEncoder.encode(["f": value]).canonical == (try roundTrip(["f": value])), "\(value)")
        }
        #expect(try JSONValueEncoder.encode([Int?.none]).canonical == "[null]")
    }

    /// What JSONEncoder treats specially, or numbers whose text could differ, are left to the
    /// round trip, and ResolvedParameters.canonical still gives its text.
    @Test func leavesSpecialValuesToTheRoundTrip() throws {
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder.encode(["d": Data([1, 2])]) }
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder.encode([Date(timeIntervalSince1970: 0)]) }
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder.encode(URL(string: "https://x.org/a")!) }
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder.encode([Double.nan]) }
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder.encode(1e20) }
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder.encode([Float(3.4e38)]) }
        #expect(ResolvedParameters.canonical(["d": Data([1, 2])]) == (try roundTrip(["d": Data([1, 2])])))
        #expect(ResolvedParameters.canonical(["x": Double.infinity]) == #"{"x":"Infinity"}"#)
        #expect(ResolvedParameters.canonical([1e20]) == (try roundTrip([1e20])))
    }
}
