import Foundation

extension DirectoryRemote {
    /// Removes the temp files writers killed mid-upload left in `<root>/tmp/`: those last
    /// written more than `olderThan` seconds ago and not locked by a live writer. Age, not the
    /// lock alone, decides, since the writers may be other hosts whose locks a shared file
    /// system may not show. Returns how many it removed (or, with `dryRun`, would remove).
    public func sweepTemporary(olderThan age: TimeInterval, now: Date = Date(), dryRun: Bool = false) throws -> Int {
        let tmp = "\(root.path)/tmp"
        let cutoff = now.timeIntervalSince1970 - age
        var removed = 0
        let names: [String]
        do { names = try POSIX.listDirectory(tmp) } catch { throw RemoteError.io(path: tmp, reason: "cannot list (\(error))") }
        for name in names {
            let path = "\(tmp)/\(name)"
            guard let status = try? POSIX.fileStatus(path), (status.st_mode & S_IFMT) == S_IFREG,
                  TimeInterval(status.st_mtim.tv_sec) < cutoff else { continue }
            guard let fd = try? POSIX.openFile(path, O_RDONLY) else { continue }
            defer { close(fd) }
            guard (try? POSIX.lockFile(fd, LOCK_EX, nonBlocking: true, path: path)) == true else { continue }
            if dryRun { removed += 1; continue }
            if (try? POSIX.unlinkIfPresent(path)) == true { removed += 1 }
        }
        return removed
    }
}
