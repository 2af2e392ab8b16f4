import Cache
import Foundation
import Testing
@testable import Pipeline

@Suite struct KeyTests {
    let digestA = Digest.of(Data("a".utf8))
    let digestB = Digest.of(Data("b".utf8))

    func key(kind: String = "k", params: String = #"{"epochs":5,"lr":0.0003}"#,
             inputs: [String: Digest]? = nil, code: String = "c1") -> Digest {
        StageKey.compute(kind: kind, params: params, inputs: inputs ?? ["x": digestA], codeDigest: code)
    }

    @Test func sameIngredientsSameKey() {
        #expect(key() == key())
    }

    @Test func everyIngredientChangesTheKey() {
        let base = key()
        #expect(key(kind: "other") != base)
        #expect(key(params: #"{"epochs":6,"lr":0.0003}"#) != base)
        #expect(key(inputs: ["x": digestB]) != base)
        #expect(key(inputs: ["y": digestA]) != base)
        #expect(key(code: "c2") != base)
    }

    @Test func jsonKeyOrderDoesNotChangeTheKey() throws {
        let one = try JSONValue(parsing: #"{"b": {"y": 1, "x": [1, 2]}, "a": 0.5}"#).canonical
        let two = try JSONValue(parsing: #"{"a": 0.5, "b": {"x": [1, 2], "y": 1}}"#).canonical
        #expect(one == two)
        #expect(one == #"{"a":0.5,"b":{"x":[1,2],"y":1}}"#)
        #expect(key(params: one) == key(params: two))
    }

    @Test func canonicalNumbersAndStrings() throws {
        #expect(JSONValue.double(0.0003).canonical == "0.0003")
        #expect(JSONValue.double(5.0).canonical == "5")
        #expect(JSONValue.double(1e-8).canonical == "1e-08")
        #expect(JSONValue.double(0.1 + 0.2).canonical == "0.30000000000000004")
        #expect(JSONValue.string("a\"b\\c\n\u{1}").canonical == #""a\"b\\c\n\u0001""#)
        // A Codable struct encodes to the same canonical text whatever its field order.
        struct P: Codable { var lr = 0.0003; var epochs = 5; var name = "t" }
        #expect(try JSONValue(encoding: P()).canonical == #"{"epochs":5,"lr":0.0003,"name":"t"}"#)
    }

    @Test func stageKeyIgnoresTheInstanceName() throws {
        let one = try Stage(name: "teacher.e5", kind: Emit.self, params: .init(text: "t"), inputs: [:])
        let two = try Stage(name: "another-name", kind: Emit.self, params: .init(text: "t"), inputs: [:])
        #expect(StageKey.compute(one, inputs: [:]) == StageKey.compute(two, inputs: [:]))
    }

    @Test func codeFingerprintIsOrderIndependentAndSensitive() {
        let a = CodeFingerprint(files: ["x.swift": "1", "y.swift": "2"])
        let b = CodeFingerprint(files: ["y.swift": "2", "x.swift": "1"])
        #expect(a.digest == b.digest)
        #expect(CodeFingerprint(files: ["x.swift": "1", "y.swift": "3"]).digest != a.digest)
    }
}
