import Foundation

/// A minimal POSIX ustar archive of regular files, read and written in memory (what bundles
/// need: `tar -tf` and Python's tarfile read them).
enum TarArchive {
    /// Why bytes are not a tar archive this reader accepts.
    struct Malformed: Error { let reason: String }

    /// The archive of `files` (path, bytes), in order; paths up to 100 bytes.
    static func write(_ files: [(path: String, data: Data)]) -> Data {
        var archive = Data()
        for (path, data) in files {
            var header = [UInt8](repeating: 0, count: 512)
            func field(_ offset: Int, _ length: Int, _ text: String) {
                for (i, byte) in text.utf8.prefix(length).enumerated() { header[offset + i] = byte }
            }
            func octal(_ offset: Int, _ length: Int, _ value: Int) {
                let digits = String(value, radix: 8)
                field(offset, length - 1, String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits)
            }
            precondition(path.utf8.count <= 100, "bundle paths are short: cas/<64 hex>, ac/<64 hex>")
            field(0, 100, path)
            octal(100, 8, 0o644)
            octal(108, 8, 0)
            octal(116, 8, 0)
            octal(124, 12, data.count)
            octal(136, 12, 0)
            header[156] = UInt8(ascii: "0")
            field(257, 6, "ustar")
            field(263, 2, "00")
            for i in 148..<156 { header[i] = UInt8(ascii: " ") }
            let sum = header.reduce(0) { $0 + Int($1) }
            octal(148, 7, sum)
            archive.append(contentsOf: header)
            archive.append(data)
            archive.append(Data(count: (512 - data.count % 512) % 512))
        }
        archive.append(Data(count: 1024))
        return archive
    }

    /// The regular files of `archive`, in order; checks every header's checksum.
    static func read(_ archive: Data) throws -> [(path: String, data: Data)] {
        var files: [(String, Data)] = []
        var offset = archive.startIndex
        while offset + 512 <= archive.endIndex {
            let header = [UInt8](archive[offset..<offset + 512])
            if header.allSatisfy({ $0 == 0 }) { return files }
            func text(_ start: Int, _ length: Int) -> String {
                let bytes = header[start..<start + length].prefix { $0 != 0 }
                return String(decoding: bytes, as: UTF8.self)
            }
            func octal(_ start: Int, _ length: Int) throws -> Int {
                let digits = text(start, length).trimmingCharacters(in: .whitespaces)
                guard let value = Int(digits, radix: 8) else { throw Malformed(reason: "bad header field at \(offset)") }
                return value
            }
            var sum = 0
            for (i, byte) in header.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
            guard try octal(148, 8) == sum else { throw Malformed(reason: "header checksum mismatch at byte \(offset)") }
            let size = try octal(124, 12)
            let start = offset + 512
            guard size >= 0, start + size <= archive.endIndex else { throw Malformed(reason: "truncated entry at byte \(offset)") }
            let type = header[156]
            if type == UInt8(ascii: "0") || type == 0 {
                files.append((text(0, 100), Data(archive[start..<start + size])))
            }
            offset = start + (size + 511) / 512 * 512
        }
        throw Malformed(reason: "no end-of-archive marker (truncated)")
    }
}
