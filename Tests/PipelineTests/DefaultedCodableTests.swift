import Foundation
import Testing
@testable import Pipeline

@Suite struct DefaultedCodableTests {
    struct Inner: Codable, Equatable { var a = 1; var b = "x" }
    struct Params: DefaultedCodable, Equatable {
        static var defaults: Self { .init() }
        var epochs = 5
        var inner = Inner()
        var list = [1, 2, 3]
        var label: String? = "default"
    }

    @Test func missingFieldsAtAnyDepthKeepTheirDefaults() throws {
        #expect(try Params.decoding("{}") == Params())
        let partial = try Params.decoding(#"{"epochs": 7, "inner": {"b": "y"}, "list": [9]}"#)
        #expect(partial.epochs == 7 && partial.inner == Inner(a: 1, b: "y"))
        #expect(partial.list == [9], "arrays replace, they do not merge")
        #expect(partial.label == "default")
    }

    @Test func wrongTypesStillFail() {
        #expect(throws: DecodingError.self) { try Params.decoding(#"{"epochs": "five"}"#) }
        #expect(throws: (any Error).self) { try Params.decoding("not json") }
    }

    @Test func overlayMergesObjectsAndReplacesEverythingElse() throws {
        let base = try JSONValue(parsing: #"{"a": {"x": 1, "y": 2}, "b": [1], "c": 3}"#)
        let top = try JSONValue(parsing: #"{"a": {"y": 5}, "b": [2, 3], "d": null}"#)
        #expect(base.overlaid(by: top).canonical == #"{"a":{"x":1,"y":5},"b":[2,3],"c":3,"d":null}"#)
        #expect(base.overlaid(by: .int(4)) == .int(4))
    }
}
