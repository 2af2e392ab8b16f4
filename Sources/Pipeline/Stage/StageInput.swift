import Cache
import Foundation

/// One input of a stage run as the engine hands it over: its digest, and its bytes either in memory
/// or as a file to map, each produced only when the stage asks (a model of gigabytes is mapped from
/// where it lies, never read whole).
public struct StageInput: Sendable {
    /// SHA-256 of the bytes, lowercase hex: equal digests, equal bytes.
    public let digest: String
    let bytes: @Sendable () throws -> Data
    /// A file holding exactly the bytes; given a private directory where a copy may be made.
    let file: @Sendable (_ scratch: URL) throws -> URL

    public init(digest: String, bytes: @escaping @Sendable () throws -> Data,
                file: @escaping @Sendable (_ scratch: URL) throws -> URL) {
        self.digest = digest; self.bytes = bytes; self.file = file
    }

    /// Bytes already in memory (tests, benchmarks): a file is written on request.
    public init(data: Data) {
        let digest = Digest.of(data).hex
        self.init(digest: digest, bytes: { data }, file: { scratch in
            let url = scratch.appendingPathComponent("input-\(digest)")
            if !FileManager.default.fileExists(atPath: url.path) { try data.write(to: url, options: .atomic) }
            return url
        })
    }
}
