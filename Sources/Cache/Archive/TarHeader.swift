import Foundation

/// One 512-byte POSIX ustar header block: the encoding shared by bundles (TarArchive) and
/// directory artifacts (TreeArchive).
///
/// Headers are written with uid/gid 0, mtime 0 and no user or group names, so an archive's
/// bytes depend only on its entries' paths, modes and contents.
struct TarHeader: Equatable {
    static let blockSize = 512
    /// Type flags pipe writes; `oldFile` (NUL) is how pre-POSIX tars mark a regular file.
    static let regularFile = UInt8(ascii: "0"), oldFile: UInt8 = 0
    static let directory = UInt8(ascii: "5")
    /// A PAX extended header: its data holds records (`path=`, `size=`) for the next entry.
    static let paxExtended = UInt8(ascii: "x")
    /// The largest size the 12-byte octal field holds (11 digits); larger ones need PAX `size=`.
    static let maxOctalSize = 0o77777777777

    /// Why a block is not a ustar header.
    enum Invalid: Error, Equatable {
        case badField(String)
        case checksumMismatch

        var reason: String {
            switch self {
            case .badField(let field): return "bad header field (\(field))"
            case .checksumMismatch: return "header checksum mismatch"
            }
        }
    }

    /// The entry's path bytes: at most 100 when encoding (longer paths go in a PAX record).
    var name: [UInt8]
    var mode: Int
    var size: Int
    var typeflag: UInt8

    /// The 512-byte block.
    func encoded() -> [UInt8] {
        precondition(name.count <= 100, "ustar names hold 100 bytes; longer paths go in a PAX record")
        precondition(size >= 0 && size <= Self.maxOctalSize, "sizes of 8 GiB and more go in a PAX record")
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        func field(_ offset: Int, _ bytes: some Collection<UInt8>) {
            for (i, byte) in bytes.enumerated() { block[offset + i] = byte }
        }
        // Zero-padded octal filling all but the field's last byte, which stays NUL.
        func octal(_ offset: Int, _ length: Int, _ value: Int) {
            let digits = String(value, radix: 8)
            field(offset, (String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits).utf8)
        }
        field(0, name)
        octal(100, 8, mode)
        octal(108, 8, 0)        // uid
        octal(116, 8, 0)        // gid
        octal(124, 12, size)
        octal(136, 12, 0)       // mtime
        block[156] = typeflag
        field(257, "ustar".utf8) // magic "ustar\0", then version "00": POSIX ustar
        field(263, "00".utf8)
        // The checksum is summed with its own field read as spaces; it is stored as six
        // digits, NUL, space (what GNU tar writes).
        for i in 148..<156 { block[i] = UInt8(ascii: " ") }
        octal(148, 7, block.reduce(0) { $0 + Int($1) })
        return block
    }

    /// The header in `block` (512 bytes), or nil for an all-zero block (the end of an archive).
    /// Throws `Invalid`. A ustar `prefix` field, as other tars write for long paths, is joined to the name.
    static func decode(_ block: [UInt8]) throws -> TarHeader? {
        precondition(block.count == blockSize)
        if block.allSatisfy({ $0 == 0 }) { return nil }
        func bytes(_ start: Int, _ length: Int) -> [UInt8] {
            Array(block[start..<start + length].prefix { $0 != 0 })
        }
        func octal(_ start: Int, _ length: Int, _ name: String) throws -> Int {
            let text = String(decoding: bytes(start, length), as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard let value = Int(text, radix: 8), value >= 0 else { throw Invalid.badField(name) }
            return value
        }
        var sum = 0
        for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
        guard try octal(148, 8, "checksum") == sum else { throw Invalid.checksumMismatch }
        var name = bytes(0, 100)
        let prefix = bytes(345, 155)
        if bytes(257, 6) == Array("ustar".utf8), !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
        return TarHeader(name: name, mode: try octal(100, 8, "mode"), size: try octal(124, 12, "size"),
                         typeflag: block[156])
    }

    /// Bytes of zero padding after `size` bytes of entry data.
    static func padding(after size: Int) -> Int { (blockSize - size % blockSize) % blockSize }
}
