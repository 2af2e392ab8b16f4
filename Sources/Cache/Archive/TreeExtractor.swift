#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One extraction: reads headers and contents from the archive, writes through directory
/// descriptors opened with O_NOFOLLOW from the destination down, so a symlink already in the
/// destination cannot redirect a write.
final class TreeExtractor {
    let source: String, top: String
    private let input: Int32, topFd: Int32
    /// Bytes of the archive consumed so far, for messages.
    private var position = 0
    /// The last entry's parent directory, kept open: consecutive entries usually share it.
    private var parent: (components: [String], fd: Int32)?
    /// PAX records for the next entry, from the 'x' header just read.
    private var pending: [String: [UInt8]]?
    /// PAX data beyond this size is not something pipe wrote (paths are at most 4 KiB).
    private static let maxPaxSize = 1 << 16

    init(archive: String, into top: String) throws {
        source = archive
        self.top = top
        input = try POSIX.openFile(archive, O_RDONLY)
        do { topFd = try POSIX.openFile(top, O_RDONLY | O_DIRECTORY) } catch { close(input); throw error }
    }

    deinit {
        if let parent { close(parent.fd) }
        close(topFd)
        close(input)
    }

    func run() throws {
        while true {
            let headerAt = position
            guard let block = try read(TarHeader.blockSize, entry: "") else {
                throw failure("", .malformed("it ends without the end-of-archive blocks (truncated)"))
            }
            let decoded: TarHeader?
            do { decoded = try TarHeader.decode(block) } catch let invalid as TarHeader.Invalid {
                throw failure("", .malformed("\(invalid.reason) at byte \(headerAt)"))
            }
            guard var header = decoded else { return }   // the end-of-archive block
            if let records = pending {
                pending = nil
                if let path = records["path"] { header.name = path }
                if let size = records["size"] {
                    guard let value = Int(String(decoding: size, as: UTF8.self)), value >= 0 else {
                        throw failure("", .malformed("bad PAX size at byte \(headerAt)"))
                    }
                    header.size = value
                }
            }
            let name = String(decoding: header.name, as: UTF8.self)
            switch header.typeflag {
            case TarHeader.paxExtended:
                guard header.size <= Self.maxPaxSize, let data = try read(header.size, entry: name),
                      let records = PaxRecords.decode(data)
                else { throw failure("", .malformed("bad PAX header at byte \(headerAt)")) }
                pending = records
                try skip(TarHeader.padding(after: header.size), entry: name)
            case TarHeader.directory:
                guard header.size == 0 else { throw failure(name, .malformed("a directory with contents")) }
                let components = try safeComponents(header.name, name: name)
                guard !components.isEmpty else { continue }   // "./": the destination itself
                let fd = try openDirectory(components, entry: name)
                defer { close(fd) }
                fchmod(fd, 0o755)
            case TarHeader.regularFile, TarHeader.oldFile:
                let components = try safeComponents(header.name, name: name)
                guard let last = components.last else { throw failure(name, .unsafePath) }
                try writeFile(last, in: components.dropLast(), header: header, name: name)
            default:
                throw failure(name, .unsupportedEntryType(typeflag: header.typeflag))
            }
        }
    }

    private func failure(_ entry: String, _ reason: TreeFailure.Reason) -> TreeFailure {
        TreeFailure(.extract, source, entry: entry, reason)
    }

    /// The path's components without "" and "."; throws for absolute paths and "..".
    private func safeComponents(_ path: [UInt8], name: String) throws -> [String] {
        guard let text = String(validating: path, as: UTF8.self) else {
            throw failure(name, .unsupportedName(why: "that is not UTF-8"))
        }
        guard !text.hasPrefix("/"), !text.utf8.contains(0) else { throw failure(name, .unsafePath) }
        let components = text.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !components.contains("..") else { throw failure(name, .unsafePath) }
        return components
    }

    private func writeFile(_ fileName: String, in directory: ArraySlice<String>, header: TarHeader, name: String) throws {
        let directoryFd = try parentDirectory(Array(directory), entry: name)
        // Unlink first, then create exclusively: an existing file may be a hard link to one
        // outside the destination, and truncating it would write there.
        if unlinkat(directoryFd, fileName, 0) != 0, errno != ENOENT {
            throw StoreError.io(operation: "replace", path: "\(top)/\(name)", errno: errno)
        }
        let fd = openat(directoryFd, fileName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.io(operation: "create", path: "\(top)/\(name)", errno: errno) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(header.size, TreeArchive.chunkSize), alignment: 16)
        defer { buffer.deallocate() }
        var remaining = header.size
        while remaining > 0 {
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, remaining)])
            guard try readFully(chunk) else {
                throw failure(name, .malformed("the archive ends in the middle of this file (truncated)"))
            }
            try POSIX.writeAll(fd, UnsafeRawBufferPointer(chunk), path: "\(top)/\(name)")
            remaining -= chunk.count
        }
        fchmod(fd, header.mode & 0o100 != 0 ? 0o755 : 0o644)
        try skip(TarHeader.padding(after: header.size), entry: name)
    }

    /// The directory `components` below the destination, created as needed, kept open for the
    /// next entry.
    private func parentDirectory(_ components: [String], entry: String) throws -> Int32 {
        if components.isEmpty { return topFd }
        if let parent, parent.components == components { return parent.fd }
        let fd = try openDirectory(components, entry: entry)
        if let parent { close(parent.fd) }
        parent = (components, fd)
        return fd
    }

    /// Opens (creating) each component in turn without following symlinks; the caller closes
    /// the result.
    private func openDirectory(_ components: [String], entry: String) throws -> Int32 {
        var current = topFd
        for (index, component) in components.enumerated() {
            let created = mkdirat(current, component, 0o755) == 0
            let mkdirError = errno
            let next = created || mkdirError == EEXIST
                ? openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1
            let openError = created || mkdirError == EEXIST ? errno : mkdirError
            if current != topFd { close(current) }
            guard next >= 0 else {
                let blocker = components[...index].joined(separator: "/")
                if openError == ELOOP || openError == ENOTDIR {
                    throw failure(entry, .blockedDestination(what: "'\(blocker)', which is a symlink or a file"))
                }
                throw StoreError.io(operation: "create directory", path: "\(top)/\(blocker)", errno: openError)
            }
            if created { fchmod(next, 0o755) }   // the umask must not decide the mode
            current = next
        }
        return current
    }

    /// Exactly `count` bytes of the archive; nil at a clean end of file (no bytes at all).
    private func read(_ count: Int, entry: String) throws -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = try bytes.withUnsafeMutableBytes {
                try POSIX.readSome(input, into: UnsafeMutableRawBufferPointer(rebasing: $0[got...]), path: source)
            }
            if n == 0 {
                if got == 0 && count > 0 { return nil }
                throw failure(entry, .malformed("the archive ends in the middle of a block at byte \(position) (truncated)"))
            }
            got += n
            position += n
        }
        return bytes
    }

    /// Fills `buffer`; false if the archive ends first.
    private func readFully(_ buffer: UnsafeMutableRawBufferPointer) throws -> Bool {
        var got = 0
        while got < buffer.count {
            let n = try POSIX.readSome(input, into: UnsafeMutableRawBufferPointer(rebasing: buffer[got...]), path: source)
            if n == 0 { return false }
            got += n
            position += n
        }
        return true
    }

    private func skip(_ count: Int, entry: String) throws {
        guard count > 0 else { return }
        guard try read(count, entry: entry) != nil else {
            throw failure(entry, .malformed("the archive ends before this entry's padding (truncated)"))
        }
    }
}
