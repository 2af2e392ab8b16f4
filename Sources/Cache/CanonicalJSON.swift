import Foundation

/// The JSON of a string map as the index stores it: sorted keys, no whitespace, "/" unescaped,
/// so equal maps are equal strings (and paths stay readable in `sqlite3`).
enum CanonicalJSON {
    static func encode(_ map: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(map), as: UTF8.self)
    }

    static func decode(_ json: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
    }
}
