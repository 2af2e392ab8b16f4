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
            precondition(path.utf8.count <= 100, "bundle paths are short: cas/<64 hex>, ac/<64 hex>")
            let header = TarHeader(name: Array(path.utf8), mode: 0o644, size: data.count, typeflag: TarHeader.regularFile)
            archive.append(contentsOf: header.encoded())
            archive.append(data)
            archive.append(Data(count: TarHeader.padding(after: data.count)))
        }
        archive.append(Data(count: 2 * TarHeader.blockSize))
        return archive
    }

    /// The regular files of `archive`, in order; checks every header's checksum.
    static func read(_ archive: Data) throws -> [(path: String, data: Data)] {
        var files: [(String, Data)] = []
        var offset = archive.startIndex
        while offset + TarHeader.blockSize <= archive.endIndex {
            let header: TarHeader
            do {
                guard let decoded = try TarHeader.decode([UInt8](archive[offset..<offset + TarHeader.blockSize]))
                else { return files }
                header = decoded
            } catch let invalid as TarHeader.Invalid {
                throw Malformed(reason: "\(invalid.reason) at byte \(offset)")
            }
            let start = offset + TarHeader.blockSize
            guard start + header.size <= archive.endIndex else { throw Malformed(reason: "truncated entry at byte \(offset)") }
            if header.typeflag == TarHeader.regularFile || header.typeflag == TarHeader.oldFile {
                files.append((String(decoding: header.name, as: UTF8.self), Data(archive[start..<start + header.size])))
            }
            offset = start + header.size + TarHeader.padding(after: header.size)
        }
        throw Malformed(reason: "no end-of-archive marker (truncated)")
    }
}
