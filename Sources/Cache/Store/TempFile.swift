import Foundation

/// A file being written in a store's tmp/ and then renamed into place whole, or removed.
///
/// Its writer holds an flock on it from creation to rename, so gc can tell a file still being
/// written (locked) from the leftover of a killed writer (the kernel dropped the lock).
final class TempFile {
    let path: String
    private var fd: Int32
    /// Bytes written so far.
    private(set) var size: Int64 = 0
    /// Set while the file is written around the page cache.
    private var uncached: UncachedWrites?

    /// Creates the file; `mode` is what it will have once published (less the umask).
    /// `uncached`: write it around the page cache where the file system allows (large blobs).
    init(directory: String, prefix: String = "", mode: mode_t, uncached: Bool = false) throws {
        path = "\(directory)/\(prefix)\(getpid())-\(UUID().uuidString).tmp"
        let flags = O_WRONLY | O_CREAT | O_EXCL
        if uncached, let opened = try UncachedWrites.open(path, flags, mode: mode) {
            (fd, self.uncached) = opened
        } else {
            fd = try POSIX.openFile(path, flags, mode: mode)
        }
        do {
            _ = try POSIX.lockFile(fd, LOCK_EX, nonBlocking: true, path: path)
        } catch {
            discard()
            throw error
        }
    }

    deinit { discard() }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let writes = uncached {
            if try !writes.append(bytes, fd: fd, path: path) { uncached = nil }
        } else {
            try POSIX.writeAll(fd, bytes, path: path)
        }
        size += Int64(bytes.count)
    }

    /// True while O_DIRECT is in effect (for tests).
    var isUncached: Bool { uncached != nil }

    /// fsyncs the file, renames it to `destination` and fsyncs the directory: after this
    /// returns, the file is there in full even if the machine loses power. Creates the
    /// destination's directory (and makes that durable too) on first use.
    func publish(to destination: String, durable: Bool = true) throws {
        if let writes = uncached {
            try writes.finish(fd: fd, size: size, path: path)
            uncached = nil
        }
        if durable { try POSIX.sync(fd, path: path) }
        let directory = (destination as NSString).deletingLastPathComponent
        do {
            try POSIX.renameFile(path, destination)
        } catch StoreError.io(_, _, ENOENT) {
            try POSIX.makeDirectory(directory)
            if durable { try POSIX.syncDirectory((directory as NSString).deletingLastPathComponent) }
            try POSIX.renameFile(path, destination)
        }
        if durable { try POSIX.syncDirectory(directory) }
        close(fd)   // only now: the lock kept gc away until the rename was done
        fd = -1
    }

    /// Removes the file (unless published); idempotent.
    func discard() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }

    /// Removes the temp files in `directory` that no live writer holds; returns how many.
    /// With `dryRun` it only counts them.
    static func sweep(directory: String, dryRun: Bool) throws -> Int {
        var removed = 0
        for name in try POSIX.listDirectory(directory) {
            let path = "\(directory)/\(name)"
            let fd: Int32
            do { fd = try POSIX.openFile(path, O_RDONLY) } catch StoreError.io(_, _, ENOENT) { continue }
            defer { close(fd) }
            // Directories here are stages' scratch space (the engine sweeps those of dead
            // builds); unlinking one would fail, and it is not a blob being written.
            var status = stat()
            if fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { continue }
            // Locked: a writer is at work. Unlocked: its writer died, or it was published
            // between our listing and our open (then the unlink below finds nothing).
            guard try POSIX.lockFile(fd, LOCK_EX, nonBlocking: true, path: path) else { continue }
            if try dryRun || POSIX.unlinkIfPresent(path) { removed += 1 }
        }
        return removed
    }
}
