import Cache
import Foundation

/// The source files that implement a stage kind, each with the SHA-256 of its bytes as compiled.
///
/// Stages gets the digests from a build-tool plugin that hashes its sources at build time, so
/// editing a file changes the fingerprint of exactly the kinds that list it.
public struct CodeFingerprint: Sendable, Hashable, Codable {
    /// Source path (relative to its target) -> lowercase hex SHA-256.
    public let files: [String: String]

    public init(files: [String: String]) { self.files = files }

    /// One digest over all files, order-independent.
    public var digest: String {
        let text = files.keys.sorted().map { "\($0)\t\(files[$0]!)\n" }.joined()
        return Digest.of(Data(text.utf8)).hex
    }
}
