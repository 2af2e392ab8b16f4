#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Streams tar entries into a file through one buffer of TreeArchive.chunkSize: headers of
/// small files are batched into few writes, and file contents are read straight into the
/// buffer, so no file is ever held whole in memory.
final class ArchiveWriter {
    let path: String
    private var fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0

    /// Creates (or truncates) the archive file.
    init(path: String) throws {
        self.path = path
        fd = try POSIX.openFile(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        buffer = .allocate(byteCount: TreeArchive.chunkSize, alignment: 16)
    }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    /// A header for `path`, preceded by a PAX header when the path is longer than ustar's 100
    /// bytes or not ASCII (ustar names have no encoding), or the size exceeds 11 octal digits.
    func appendHeader(path: String, mode: Int, size: Int, typeflag: UInt8) throws {
        let name = Array(path.utf8)
        var records: [(key: String, value: [UInt8])] = []
        if name.count > 100 || name.contains(where: { $0 >= 0x80 }) { records.append(("path", name)) }
        if size > TarHeader.maxOctalSize { records.append(("size", Array(String(size).utf8))) }
        if !records.isEmpty {
            let data = PaxRecords.encode(records)
            try append(TarHeader(name: Array("././@PaxHeader".utf8), mode: 0o644, size: data.count,
                                 typeflag: TarHeader.paxExtended).encoded())
            try append(data)
            try appendZeros(TarHeader.padding(after: data.count))
        }
        // Readers that skip PAX still see a printable, deterministic stand-in name.
        let fallback = name.prefix(100).map { $0 >= 0x80 ? UInt8(ascii: "_") : $0 }
        try append(TarHeader(name: fallback, mode: mode, size: min(size, TarHeader.maxOctalSize),
                             typeflag: typeflag).encoded())
    }

    /// A regular-file entry with the bytes of `source`, stored as `path`.
    func appendFile(path: String, source: String) throws {
        // O_NONBLOCK: if a fifo was swapped in since the walk looked, open must not hang on it.
        let input = try POSIX.openFile(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        defer { close(input) }
        let info = try POSIX.fileStatus(input, path: source)
        guard info.isRegularFile else { throw StoreError.fileChangedWhileStoring(path: source) }
        let size = Int(info.st_size)
        try appendHeader(path: path, mode: info.isOwnerExecutable ? 0o755 : 0o644, size: size,
                         typeflag: TarHeader.regularFile)
        var remaining = size
        while remaining > 0 {
            if used == buffer.count { try flush() }
            let free = UnsafeMutableRawBufferPointer(rebasing: buffer[used..<min(buffer.count, used + remaining)])
            let count = try POSIX.readSome(input, into: free, path: source)
            // The header already promised `size` bytes: a file that shrank or grew cannot be stored.
            guard count > 0 else { throw StoreError.fileChangedWhileStoring(path: source) }
            used += count
            remaining -= count
        }
        var extra: UInt8 = 0
        guard try withUnsafeMutableBytes(of: &extra, { try POSIX.readSome(input, into: $0, path: source) }) == 0
        else { throw StoreError.fileChangedWhileStoring(path: source) }
        try appendZeros(TarHeader.padding(after: size))
    }

    /// Ends the archive (two zero blocks) and closes the file.
    func finish() throws {
        try appendZeros(2 * TarHeader.blockSize)
        try flush()
        close(fd)
        fd = -1
    }

    /// Closes and removes the unfinished archive.
    func abandon() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(path)
    }

    private func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { source in
            var offset = 0
            while offset < source.count {
                if used == buffer.count { try flush() }
                let count = min(buffer.count - used, source.count - offset)
                UnsafeMutableRawBufferPointer(rebasing: buffer[used..<used + count])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
                used += count
                offset += count
            }
        }
    }

    private func appendZeros(_ count: Int) throws {
        var remaining = count
        while remaining > 0 {
            if used == buffer.count { try flush() }
            let count = min(buffer.count - used, remaining)
            UnsafeMutableRawBufferPointer(rebasing: buffer[used..<used + count]).initializeMemory(as: UInt8.self, repeating: 0)
            used += count
            remaining -= count
        }
    }

    private func flush() throws {
        try POSIX.writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[..<used]), path: path)
        used = 0
    }
}
