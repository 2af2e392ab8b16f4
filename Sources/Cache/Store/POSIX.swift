#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

// Thin throwing wrappers over the system calls the store needs. Foundation's FileManager
// cannot fsync, flock, or tell EEXIST from EACCES, and the store's crash safety rests on those.
enum POSIX {
    /// Opens `path`; retries EINTR.
    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw StoreError.io(operation: "open", path: path, errno: errno) }
        }
    }

    /// Writes the whole buffer.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.io(operation: "write", path: path, errno: errno)
            }
            offset += n
        }
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file.
    static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        while true {
            let n = read(fd, buffer.baseAddress!, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw StoreError.io(operation: "read", path: path, errno: errno) }
        }
    }

    /// Reads `fd` to its end, handing `body` each piece (valid only during the call).
    static func forEachChunk(of fd: Int32, path: String, chunkSize: Int = 4 << 20,
                             _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try readSome(fd, into: buffer, path: path)
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    static func sync(_ fd: Int32, path: String) throws {
        if fsync(fd) != 0 { throw StoreError.io(operation: "fsync", path: path, errno: errno) }
    }

    /// Makes a rename or a new entry in `directory` durable: a rename is only on disk once its
    /// directory is.
    static func syncDirectory(_ directory: String) throws {
        let fd = try openFile(directory, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, path: directory)
    }

    static func renameFile(_ from: String, _ to: String) throws {
        if rename(from, to) != 0 { throw StoreError.io(operation: "rename \(from) to", path: to, errno: errno) }
    }

    /// Removes a file; a file that is already gone is fine (another process may have won the
    /// race). Returns whether this call removed it.
    @discardableResult
    static func unlinkIfPresent(_ path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw StoreError.io(operation: "remove", path: path, errno: errno)
    }

    /// Creates a directory; one that already exists is fine. Returns true if it was created.
    @discardableResult
    static func makeDirectory(_ path: String) throws -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        if errno == EEXIST { return false }
        throw StoreError.io(operation: "create directory", path: path, errno: errno)
    }

    /// stat(2), or nil when the file does not exist.
    static func fileStatus(_ path: String) throws -> stat? {
        var info = stat()
        if stat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw StoreError.io(operation: "stat", path: path, errno: errno)
    }

    static func fileStatus(_ fd: Int32, path: String) throws -> stat {
        var info = stat()
        if fstat(fd, &info) != 0 { throw StoreError.io(operation: "stat", path: path, errno: errno) }
        return info
    }

    /// flock(2); returns false if `nonBlocking` and another open file holds the lock.
    static func lockFile(_ fd: Int32, _ operation: Int32, nonBlocking: Bool, path: String) throws -> Bool {
        while true {
            if flock(fd, operation | (nonBlocking ? LOCK_NB : 0)) == 0 { return true }
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw StoreError.io(operation: "lock", path: path, errno: errno)
        }
    }

    /// Names in a directory (no "." or ".."); an absent directory has none.
    static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw StoreError.io(operation: "list", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

extension stat {
    /// Modification time in nanoseconds since 1970.
    var mtimeNanoseconds: Int64 {
        #if canImport(Darwin)
        let time = st_mtimespec
        #else
        let time = st_mtim
        #endif
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}

/// Nanoseconds since 1970, from the same clock the kernel stamps files with.
func wallClockNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
