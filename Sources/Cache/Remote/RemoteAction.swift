import Foundation

/// The bytes of an `/ac/<stage key>` entry: canonical JSON of `{"format": "pipe-action-1",
/// "record": <ActionRecord>}`, keys sorted, dates as seconds since 1970, digests as hex.
///
/// The record names blobs (outputs, log) by the SHA-256 of their raw bytes, which is also
/// their `/cas/` name, so a reader can fetch and check each one. Not Bazel's ActionResult
/// protobuf: bazel-remote needs `--disable_http_ac_validation` to store these.
public enum RemoteAction {
    public static let format = "pipe-action-1"

    private struct Entry: Codable {
        var format: String
        var record: ActionRecord
    }

    public static func encode(_ record: ActionRecord) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        // Encoding plain strings, digests, dates and string maps cannot fail.
        return try! encoder.encode(Entry(format: format, record: record))
    }

    /// The record in `data`, which must be a pipe action entry for `key`.
    public static func decode(_ data: Data, key: Digest, source: String) throws -> ActionRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let entry: Entry
        do { entry = try decoder.decode(Entry.self, from: data) } catch {
            throw RemoteError.badAction(url: source, reason: "not a pipe action record")
        }
        guard entry.format == format else {
            throw RemoteError.badAction(url: source, reason: "format '\(entry.format)', this pipe reads '\(format)'")
        }
        guard entry.record.key == key else {
            throw RemoteError.badAction(url: source, reason: "it is the record of key \(entry.record.key.short)")
        }
        return entry.record
    }
}
