import Foundation

/// Parameters that decode from partial JSON: every field the JSON leaves out, at any depth of
/// nested objects, keeps its value in `defaults`. `{"epochs": 3}` is `Params()` with 3 epochs.
///
/// Written once here rather than as a hand-made `init(from:)` per type: the synthesized Codable
/// stays the strict form (and the key's form), this adds the lenient one beside it.
public protocol DefaultedCodable: Codable {
    /// Every field at its default (usually `.init()`, the memberwise init's default arguments).
    static var defaults: Self { get }
}

extension DefaultedCodable {
    /// Decodes `data` over the defaults: objects merge member by member, anything else replaces.
    public static func decoding(_ data: Data) throws -> Self {
        let given = try JSONDecoder().decode(JSONValue.self, from: data)
        let merged = try JSONValue(encoding: defaults).overlaid(by: given)
        return try JSONDecoder().decode(Self.self, from: Data(merged.canonical.utf8))
    }

    /// Decodes JSON text over the defaults.
    public static func decoding(_ text: String) throws -> Self { try decoding(Data(text.utf8)) }
}

extension JSONValue {
    /// This value with `other` laid over it: members of two objects merge recursively, any other
    /// value of `other` replaces this one.
    public func overlaid(by other: JSONValue) -> JSONValue {
        guard case var .object(base) = self, case let .object(top) = other else { return other }
        for (key, value) in top { base[key] = base[key].map { $0.overlaid(by: value) } ?? value }
        return .object(base)
    }
}
