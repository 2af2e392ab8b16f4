import Foundation
import GRDB

extension ArtifactStore {
    /// The SHA-256 of the file at `path`, hashed only when its size or mtime differs from the
    /// last time (ninja's stat-before-hash; the `files` table remembers path+size+mtime).
    public func fileDigest(at path: URL) throws -> Digest {
        let path = path.standardizedFileURL.path
        guard let before = try POSIX.fileStatus(path) else {
            throw StoreError.io(operation: "hash", path: path, errno: ENOENT)
        }
        let size = Int64(before.st_size), mtime = before.mtimeNanoseconds
        let known = try index.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT size, mtime_ns, digest, hashed_at_ns FROM files WHERE path = ?"),
                             arguments: [path])
        }
        if let known, known[0] == size, known[1] == mtime,
           Self.isSettled(mtime: mtime, hashedAt: known[3]), let digest = Digest(hex: known[2]) {
            return digest
        }

        let hashedAt = wallClockNanoseconds()
        let digest = try Digest.ofFile(at: path)
        filesHashed.add(1, ordering: .relaxed)
        // A file written to while we read it may hash to a mix of old and new bytes: use the
        // digest this once, but do not remember it.
        guard let after = try POSIX.fileStatus(path), Int64(after.st_size) == size, after.mtimeNanoseconds == mtime
        else { return digest }
        try index.write { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO files(path, size, mtime_ns, digest, hashed_at_ns) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [path, size, mtime, digest.hex, hashedAt])
        }
        return digest
    }

    /// The digest of a directory's content: SHA-256 of a manifest "pipe-tree 1\n" then, in
    /// TreeWalk order (sorted by relative path bytes), `d <path>/\n` per directory (so empty
    /// ones count) and `f <644|755> <sha256 hex> <path>\n` per regular file. File times and
    /// owners do not count; hidden files do. Files are hashed through `fileDigest(at:)`, so
    /// unchanged ones are not read again. Symlinks to regular files count as their target's
    /// content; other symlinks, devices, sockets and fifos throw `TreeFailure`.
    public func directoryDigest(at path: URL) throws -> Digest {
        var hasher = DigestHasher()
        func add(_ line: String) {
            var line = line
            line.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        }
        add("pipe-tree 1\n")
        try TreeWalk.visit(path.standardizedFileURL.path, operation: .hash, linkBoundary: nil) { entry in
            switch entry {
            case .directory(let relative):
                add("d \(relative)\n")
            case let .file(relative, source, executable):
                let digest = try fileDigest(at: URL(fileURLWithPath: source))
                add("f \(executable ? "755" : "644") \(digest.hex) \(relative)\n")
            }
        }
        return hasher.finalize()
    }

    /// `directoryDigest(at:)` for a directory (or a symlink to one), `fileDigest(at:)` for
    /// anything else: the digest of an input that may be either.
    public func contentDigest(at path: URL) throws -> Digest {
        if let info = try POSIX.fileStatus(path.standardizedFileURL.path), info.isDirectory {
            return try directoryDigest(at: path)
        }
        return try fileDigest(at: path)
    }

    /// Granularity of file times we allow for: FAT's 2 s covers every file system pipe meets.
    static let mtimeGranularityNanoseconds: Int64 = 2_000_000_000

    /// Whether a remembered digest can be trusted on size+mtime alone (git's "racily clean"
    /// problem). A file modified within one timestamp tick of being hashed can change again
    /// while keeping its size and mtime; only when its mtime is a full tick older than the hash
    /// does any later write show up as a new mtime. Until then the file is re-hashed.
    static func isSettled(mtime: Int64, hashedAt: Int64) -> Bool {
        mtime < hashedAt - mtimeGranularityNanoseconds
    }
}
