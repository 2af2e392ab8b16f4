import Foundation
import GRDB
import Synchronization

// MARK: - Writing blobs

extension ArtifactStore {
    /// Blob files are read-only: nothing should ever write to one in place.
    static let blobMode: mode_t = 0o444

    /// Stores `data` and returns its SHA-256. Storing bytes already present writes nothing.
    @discardableResult
    public func put(_ data: Data) throws -> Digest {
        let size = Int64(data.count)
        guard size >= UncachedWrites.threshold else {
            let digest = Digest.of(data)
            // Hash first: a put of known bytes (a rerun that reproduced its output) skips zstd.
            if try indexIfPresent(digest, originalSize: size) { return digest }
            let temp = try TempFile(directory: layout.tmp, mode: Self.blobMode)
            try compress(data, into: temp)
            try publish(temp, as: digest, originalSize: size)
            return digest
        }
        // A large blob is hashed on another thread while this one compresses it: a stage's output
        // is stored after its work, when the other core is idle (SHA-256 of an 81 MB training
        // state: 0.1 s of the stage's 0.5-0.9 s after its last epoch). Known bytes then cost a
        // compression for nothing, but only the first put of new bytes is on a build's path.
        let hashed = Mutex<Digest?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global(qos: .userInitiated).async {
            let digest = Digest.of(data)
            hashed.withLock { $0 = digest }
            done.signal()
        }
        let temp: TempFile
        do {
            temp = try TempFile(directory: layout.tmp, mode: Self.blobMode, uncached: true)
            try compress(data, into: temp)
        } catch {
            done.wait()
            throw error
        }
        done.wait()
        let digest = hashed.withLock { $0! }
        try publishUnlessPresent(temp, as: digest, originalSize: size)
        return digest
    }

    private func compress(_ data: Data, into temp: TempFile) throws {
        try data.withUnsafeBytes { bytes in
            let compressor = try makeCompressor(size: Int64(bytes.count), path: layout.tmp)
            try compress(bytes, end: true, with: compressor, into: temp)
        }
    }

    /// Stores the file at `url` in one streaming pass (for outputs too large to load) and
    /// returns its SHA-256. Throws `fileChangedWhileStoring` if its size changes meanwhile.
    @discardableResult
    public func put(fileAt url: URL) throws -> Digest {
        try put(fileAt: url, accepting: { _ in true })
    }

    /// As `put(fileAt:)`, but the blob enters the store only if its bytes hash to `expected`
    /// (a download checked in the same pass that compresses it); returns the actual digest,
    /// so a caller sees the mismatch, and nothing was stored then.
    func put(fileAt url: URL, ifDigestIs expected: Digest) throws -> Digest {
        try put(fileAt: url, accepting: { $0 == expected })
    }

    private func put(fileAt url: URL, accepting accept: (Digest) -> Bool) throws -> Digest {
        let path = url.path
        let fd = try POSIX.openFile(path, O_RDONLY)
        defer { close(fd) }
        let size = Int64(try POSIX.fileStatus(fd, path: path).st_size)
        let temp = try TempFile(directory: layout.tmp, mode: Self.blobMode, uncached: size >= UncachedWrites.threshold)
        let compressor = try makeCompressor(size: size, path: path)
        var hasher = DigestHasher()
        var total: Int64 = 0
        try POSIX.forEachChunk(of: fd, path: path) { piece in
            total += Int64(piece.count)
            guard total <= size else { throw StoreError.fileChangedWhileStoring(path: path) }
            hasher.update(piece)
            try compress(piece, end: false, with: compressor, into: temp)
        }
        // The frame header promised `size` bytes; zstd would refuse any other length.
        guard total == size else { throw StoreError.fileChangedWhileStoring(path: path) }
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), end: true, with: compressor, into: temp)
        let digest = hasher.finalize()
        guard accept(digest) else {
            temp.discard()
            return digest
        }
        try publishUnlessPresent(temp, as: digest, originalSize: size)
        return digest
    }

    private func makeCompressor(size: Int64, path: String) throws -> ZstdCompressor {
        do {
            return try ZstdCompressor(level: compressionLevel, pledgedSize: size, workers: compressionThreads)
        } catch {
            throw StoreError.io(operation: "start compressing (\(error.message))", path: path, errno: ENOMEM)
        }
    }

    private func compress(_ bytes: UnsafeRawBufferPointer, end: Bool, with compressor: ZstdCompressor,
                          into temp: TempFile) throws {
        do {
            try compressor.compress(bytes, end: end) { try temp.write($0) }
        } catch let error as ZstdError {
            throw StoreError.io(operation: "compress (\(error.message))", path: temp.path, errno: EIO)
        }
    }

    /// Renames a finished temp file into blobs/, then indexes it: the row never precedes the file.
    private func publish(_ temp: TempFile, as digest: Digest, originalSize: Int64) throws {
        try temp.publish(to: layout.blob(digest))
        try index.write { db in try Self.indexBlob(digest, storedSize: temp.size, originalSize: originalSize, db) }
    }

    /// Publishes a finished temp file as blob `digest`, or discards it if that blob is already stored.
    private func publishUnlessPresent(_ temp: TempFile, as digest: Digest, originalSize: Int64) throws {
        if try indexIfPresent(digest, originalSize: originalSize) {
            temp.discard()
        } else {
            try publish(temp, as: digest, originalSize: originalSize)
        }
    }

    /// If blob `digest` is already stored, refreshes its index row and returns true. The
    /// second look is inside the write transaction, so a concurrent gc cannot remove the file
    /// between the check and the row.
    private func indexIfPresent(_ digest: Digest, originalSize: Int64) throws -> Bool {
        guard contains(digest) else { return false }
        return try index.write { db in
            guard let stored = try POSIX.fileStatus(layout.blob(digest)) else { return false }
            try Self.indexBlob(digest, storedSize: Int64(stored.st_size), originalSize: originalSize, db)
            return true
        }
    }

    /// Adds (or refreshes) the index row of a blob whose file is in place.
    private static func indexBlob(_ digest: Digest, storedSize: Int64, originalSize: Int64, _ db: Database) throws {
        let now = Date().timeIntervalSinceReferenceDate
        try db.cachedStatement(sql: """
            INSERT INTO blobs(digest, stored_size, original_size, created, last_used) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(digest) DO UPDATE SET last_used = excluded.last_used
            """).execute(arguments: [digest.hex, storedSize, originalSize, now, now])
    }
}

// MARK: - Reading blobs

extension ArtifactStore {
    /// The bytes of blob `digest`, checked against it. A damaged blob is quarantined and
    /// reported as `StoreError.corruptBlob`; an absent one as `StoreError.blobNotFound`.
    public func get(_ digest: Digest) throws -> Data {
        let file = try openBlob(digest)
        return try checkingBlob(file, digest) {
            let size = try file.contentSize()
            guard size > 0 else {
                try file.decode(expecting: digest, contentSize: 0)
                return Data()
            }
            // One allocation of the declared size, decoded into in place; a header lying
            // about a huge size fails here or in decode, and is a corrupt blob either way.
            guard let bytes = malloc(Int(size)) else { throw BlobDefect(reason: "header declares \(size) bytes") }
            do {
                try file.decode(expecting: digest, contentSize: size,
                                into: UnsafeMutableRawBufferPointer(start: bytes, count: Int(size)))
            } catch {
                free(bytes)
                throw error
            }
            return Data(bytesNoCopy: bytes, count: Int(size), deallocator: .free)
        }
    }

    /// Writes blob `digest` to `destination` (replacing it) in one streaming pass; the file
    /// appears only once its bytes have checked out. Errors as for `get(_:)`.
    public func get(_ digest: Digest, to destination: URL) throws {
        let file = try openBlob(digest)
        let directory = destination.deletingLastPathComponent().path
        try checkingBlob(file, digest) {
            let temp = try TempFile(directory: directory, prefix: ".pipe-restore-", mode: 0o644)
            try file.decode(expecting: digest, contentSize: try file.contentSize()) { try temp.write($0) }
            // Not fsynced: a restored copy that a crash loses can be restored again.
            try temp.publish(to: destination.path, durable: false)
        }
    }

    /// A new, locked file in the store's tmp/ for a blob on its way to or from a remote: gc
    /// leaves it alone while it is held, and sweeps it if its process dies.
    func transferFile() throws -> TempFile {
        try TempFile(directory: layout.tmp, prefix: "transfer-", mode: 0o600)
    }

    /// Appends blob `digest`'s bytes to `temp` in one streaming pass and returns their count;
    /// throws (as `get(_:)`) before the caller can use a byte that did not check out. For
    /// uploads: the temp file stays locked, so a gc meanwhile leaves it alone.
    func get(_ digest: Digest, into temp: TempFile) throws -> Int64 {
        let file = try openBlob(digest)
        return try checkingBlob(file, digest) {
            let size = try file.contentSize()
            try file.decode(expecting: digest, contentSize: size) { try temp.write($0) }
            return size
        }
    }

    /// True if the blob's file is present (one stat; its bytes are checked when read).
    public func contains(_ digest: Digest) -> Bool {
        (try? POSIX.fileStatus(layout.blob(digest))) != nil
    }

    /// Bytes on disk and uncompressed bytes of a blob, from its file; nil if absent or unreadable.
    public func blobSize(_ digest: Digest) -> (stored: Int64, original: Int64)? {
        guard let file = try? BlobFile(path: layout.blob(digest)),
              let stored = try? file.storedSize(), let original = try? file.contentSize()
        else { return nil }
        return (stored, original)
    }

    private func openBlob(_ digest: Digest) throws -> BlobFile {
        let path = layout.blob(digest)
        guard let file = try BlobFile(path: path) else { throw StoreError.blobNotFound(digest: digest, path: path) }
        return file
    }

    /// Runs `body`; if it finds the blob defective, quarantines the blob and throws `corruptBlob`.
    private func checkingBlob<T>(_ file: BlobFile, _ digest: Digest, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let defect as BlobDefect {
            try quarantine(digest, path: file.path, reason: defect.reason)
            throw StoreError.corruptBlob(digest: digest, path: file.path)
        }
    }

    /// Moves a damaged blob to quarantine/ and forgets its index row, so the next run sees a
    /// missing output and recomputes it.
    func quarantine(_ digest: Digest, path: String, reason: String) throws {
        let destination = "\(layout.quarantine)/\(digest.hex).zst.\(wallClockNanoseconds())"
        do {
            try POSIX.renameFile(path, destination)
        } catch StoreError.io(_, _, ENOENT) {
            // Another thread or process quarantined it first.
        }
        try index.write { db in
            try db.execute(sql: "DELETE FROM blobs WHERE digest = ?", arguments: [digest.hex])
        }
        onWarning("blob \(digest.short) at \(path) is corrupt (\(reason)); moved it to \(destination); "
                  + "the stages that produced it will be recomputed")
    }
}
