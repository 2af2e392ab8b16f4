import Foundation
import Synchronization

/// An exclusive flock(2) on a lock file: held until `release()`, deinit, or the process's death
/// (the kernel drops it then, so a SIGKILLed build never leaves a key locked).
public final class KeyLock: Sendable {
    /// The lock file; it stays on disk after release (gc sweeps unheld ones).
    public let path: String
    private let descriptor: Mutex<Int32>   // -1 once released

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit { release() }

    /// Releases the lock; calling it again does nothing.
    public func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            close(fd)   // closing the last descriptor of the open file drops its flock
            fd = -1
        }
    }

    /// Locks `path`, creating the file if needed; nil if `wait` is false and someone holds it.
    ///
    /// flock belongs to an open file description, so each call opens its own: two KeyLocks in
    /// one process exclude each other like two processes do.
    static func acquire(path: String, wait: Bool) throws -> KeyLock? {
        while true {
            let fd = try POSIX.openFile(path, O_RDWR | O_CREAT)
            guard try POSIX.lockFile(fd, LOCK_EX, nonBlocking: !wait, path: path) else {
                close(fd)
                return nil
            }
            // gc may have unlinked the file between our open and our flock (see sweep). A lock
            // on an unlinked inode excludes nobody who opens the path afresh: start again.
            let held = try POSIX.fileStatus(fd, path: path)
            if let current = try POSIX.fileStatus(path), current.st_ino == held.st_ino, current.st_dev == held.st_dev {
                return KeyLock(path: path, descriptor: fd)
            }
            close(fd)
        }
    }

    /// Removes the lock file at `path` if nobody holds it; returns true if it did. Safe against
    /// a concurrent `acquire` thanks to the inode check there.
    static func sweep(path: String) throws -> Bool {
        let fd: Int32
        do { fd = try POSIX.openFile(path, O_RDWR) } catch StoreError.io(_, _, ENOENT) { return false }
        defer { close(fd) }
        guard try POSIX.lockFile(fd, LOCK_EX, nonBlocking: true, path: path) else { return false }
        try POSIX.unlinkIfPresent(path)
        return true
    }
}

extension ArtifactStore {
    /// Blocks until this process holds `key`'s lock: no other holder computes that key meanwhile.
    public func lock(key: Digest) throws -> KeyLock {
        try KeyLock.acquire(path: lockPath(key), wait: true)!
    }

    /// The lock of `key`, or nil at once if another holder (process or KeyLock) has it.
    public func tryLock(key: Digest) throws -> KeyLock? {
        try KeyLock.acquire(path: lockPath(key), wait: false)
    }

    /// Blocks until this process holds the lock `locks/<name>.lock`: for coordination other than
    /// computing a key, e.g. one cluster submission per key (name "submit-<key hex>").
    public func lock(named name: String) throws -> KeyLock {
        try KeyLock.acquire(path: "\(layout.locks)/\(name).lock", wait: true)!
    }

    func lockPath(_ key: Digest) -> String { "\(layout.locks)/\(key.hex).lock" }
}
