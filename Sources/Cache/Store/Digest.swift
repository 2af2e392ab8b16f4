import Crypto
import Foundation

/// A SHA-256 digest, the address of a blob and the form of every stage key.
public struct Digest: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// 64 lowercase hex characters.
    public let hex: String

    /// Accepts 64 hex characters (either case); nil for anything else.
    public init?(hex: String) {
        func isLowerHex(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (97...102).contains(byte) }
        guard hex.utf8.count == 64 else { return nil }
        // Digests read back from the index are already lowercase: skip the copy.
        if hex.utf8.allSatisfy(isLowerHex) {
            self.hex = hex
            return
        }
        let lower = hex.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy(isLowerHex) else { return nil }
        self.hex = lower
    }

    private init(trusted hex: String) { self.hex = hex }

    /// The SHA-256 of `data`.
    public static func of(_ data: Data) -> Digest {
        Digest(bytes: SHA256.hash(data: data))
    }

    /// The digest of a finished hash.
    public init(bytes: SHA256.Digest) {
        let table: [UInt8] = Array("0123456789abcdef".utf8)
        var chars = [UInt8](); chars.reserveCapacity(64)
        for byte in bytes { chars.append(table[Int(byte >> 4)]); chars.append(table[Int(byte & 15)]) }
        self.init(trusted: String(decoding: chars, as: UTF8.self))
    }

    /// First 12 hex characters, for people.
    public var short: String { String(hex.prefix(12)) }
    public var description: String { hex }
    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let digest = Digest(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not a SHA-256 hex digest: \(text)"))
        }
        self = digest
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

extension Digest {
    /// The SHA-256 of the file at `path`, read in chunks (never whole).
    public static func ofFile(at path: String) throws -> Digest {
        let fd = try POSIX.openFile(path, O_RDONLY)
        defer { close(fd) }
        var hasher = DigestHasher()
        try POSIX.forEachChunk(of: fd, path: path) { hasher.update($0) }
        return hasher.finalize()
    }
}

/// Hashes bytes handed over in pieces (files and blobs too large to hold twice).
struct DigestHasher {
    private var state = SHA256()

    mutating func update(_ bytes: UnsafeRawBufferPointer) { state.update(bufferPointer: bytes) }

    func finalize() -> Digest { Digest(bytes: state.finalize()) }
}
