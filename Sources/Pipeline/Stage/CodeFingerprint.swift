import Cache
import Foundation

/// The source files that implement a stage kind, each with the SHA-256 of its bytes as compiled.
///
/// Stages gets the digests from a build-tool plugin that hashes its sources at build time, so
/// editing a file changes the fingerprint of exactly the kinds that list it.
public struct CodeFingerprint: Sendable, Hashable, Codable {
    /// Source path (from its package root) -> lowercase hex SHA-256.
    public let files: [String: String]

    public init(files: [String: String]) { self.files = files }

    /// One digest over all files, order-independent.
    public var digest: String {
        let text = files.keys.sorted().map { "\($0)\t\(files[$0]!)\n" }.joined()
        return Digest.of(Data(text.utf8)).hex
    }
}

extension CodeFingerprint {
    /// The fingerprint of `paths` (relative to `directory`, a target's directory from its package
    /// root) out of a target's source digests, as SourceFingerprintTool generates them. A path that
    /// is not a source of the target is a programmer error, stopped at once with its name.
    public init(selecting paths: [String], in directory: String, from digests: [String: String]) {
        var files: [String: String] = [:]
        for path in paths {
            guard let digest = digests[directory + path] else {
                preconditionFailure("CodeFingerprint: '\(path)' is not a source file of \(directory)")
            }
            files[directory + path] = digest
        }
        self.init(files: files)
    }
}
