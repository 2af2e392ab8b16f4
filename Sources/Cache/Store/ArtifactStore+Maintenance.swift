import Foundation
import GRDB

// MARK: - LRU

extension ArtifactStore {
    /// How long gc keeps a blob that no result names yet, in seconds: a build may have just
    /// put it and be about to record the result that names it.
    public static let gcGrace: TimeInterval = 3600

    /// How old a last-used time must be before touch rewrites it, in seconds.
    static let touchResolution: TimeInterval = 3600

    /// Marks the actions of `keys` as used now, in one transaction; gc with `keepBytes` drops
    /// the least recently used actions first. Unknown keys and keys used within the last
    /// `touchResolution` are left alone.
    public func touch(keys: [Digest], at date: Date = Date()) throws {
        guard !keys.isEmpty else { return }
        let now = date.timeIntervalSinceReferenceDate
        // LRU needs hours, not seconds: a no-op build that finds every key used within the last
        // hour writes nothing (a write transaction costs fsyncs, most of a no-op's time).
        let stale = try index.read { db in
            try String.fetchAll(db, sql: "SELECT key FROM actions WHERE last_used < ? AND key IN ("
                + keys.map { _ in "?" }.joined(separator: ",") + ")",
                arguments: StatementArguments([now - Self.touchResolution] + keys.map(\.hex)))
        }
        guard !stale.isEmpty else { return }
        let keys = stale
        try index.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE actions SET last_used = ? WHERE key = ?")
            for key in keys { try statement.execute(arguments: [now, key]) }
        }
    }
}

// MARK: - Verify

extension ArtifactStore {
    /// Re-hashes every blob file. Damaged ones are quarantined (their rows dropped), rows of
    /// absent files are dropped, and files without a row are indexed. `progress` gets
    /// (done, total) after each blob.
    public func verify(progress: ((Int, Int) -> Void)? = nil) throws -> VerifyReport {
        let blobs = try storedBlobs()
        let indexed = try index.read { db in Set(try String.fetchAll(db, sql: "SELECT digest FROM blobs")) }
        var report = VerifyReport(checked: 0, corrupt: [], missing: [], bytes: 0)
        var unindexed: [(digest: Digest, stored: Int64, original: Int64)] = []
        for (number, (digest, path)) in blobs.enumerated() {
            defer { progress?(number + 1, blobs.count) }
            guard let file = try BlobFile(path: path) else { continue }   // a concurrent gc took it
            report.checked += 1
            do {
                let size = try file.contentSize()
                try file.decode(expecting: digest, contentSize: size)
                report.bytes += size
                if !indexed.contains(digest.hex) { unindexed.append((digest, try file.storedSize(), size)) }
            } catch let defect as BlobDefect {
                try quarantine(digest, path: path, reason: defect.reason)
                report.corrupt.append(digest)
            }
        }
        let listed = Set(blobs.map(\.digest.hex))
        // A blob put since the listing is no missing one: check the file itself.
        report.missing = indexed.subtracting(listed).compactMap(Digest.init(hex:)).filter { !contains($0) }.sorted()
        let now = Date().timeIntervalSinceReferenceDate
        try index.write { db in
            for digest in report.missing {
                try db.execute(sql: "DELETE FROM blobs WHERE digest = ?", arguments: [digest.hex])
            }
            for blob in unindexed {
                try db.execute(sql: "INSERT OR IGNORE INTO blobs(digest, stored_size, original_size, created, last_used) VALUES (?, ?, ?, ?, ?)",
                               arguments: [blob.digest.hex, blob.stored, blob.original, now, now])
            }
        }
        return report
    }
}

// MARK: - Garbage collection

extension ArtifactStore {
    /// Removes blobs no action names, leftover temp files and unheld lock files. With
    /// `keepBytes`, first drops least-recently-used actions (see `touch`) until the blobs the
    /// rest name take at most that many bytes on disk. `dryRun` reports and changes nothing.
    ///
    /// It runs inside the index's write transaction, so a `record` (which checks its blobs in
    /// its own transaction) sees each blob either kept or gone, never half-collected. Builds may
    /// run meanwhile: a stage puts its outputs, then records the result naming them, so a blob
    /// no result names that was put within the last `grace` seconds (by its index row or, if
    /// the row is not written yet, its file's time) is kept. With a grace shorter than the gap
    /// between a put and its record, that `record` fails with `actionNamesMissingBlob` and the
    /// stage reruns.
    public func gc(keepBytes: Int64? = nil, dryRun: Bool = false, grace: TimeInterval = ArtifactStore.gcGrace,
                   now: Date = Date()) throws -> GCReport {
        var report = GCReport(removedBlobs: 0, removedBytes: 0, removedActions: 0, keptBlobs: 0, keptBytes: 0,
                              removedTempFiles: try TempFile.sweep(directory: layout.tmp, dryRun: dryRun))
        let cutoff = now.timeIntervalSince1970 - grace
        let collect = { [self] (db: Database) throws in
            let plan = try GCPlan(db, blobs: try storedBlobs(), keepBytes: keepBytes)
            report.removedActions = plan.droppedKeys.count
            let recentRows = Set(try String.fetchAll(db, sql: "SELECT digest FROM blobs WHERE last_used >= ?",
                                                     arguments: [cutoff - Date.timeIntervalBetween1970AndReferenceDate]))
            let isRecent = { (blob: GCPlan.Blob) in blob.modified >= cutoff || recentRows.contains(blob.digest.hex) }
            for blob in plan.blobs {
                if plan.isReferenced(blob.digest) || isRecent(blob) {
                    if !plan.isReferenced(blob.digest) { report.recentBlobs += 1 }
                    report.keptBlobs += 1
                    report.keptBytes += blob.size
                } else {
                    report.removedBlobs += 1
                    report.removedBytes += blob.size
                }
            }
            guard !dryRun else { return }
            for key in plan.droppedKeys {
                try db.execute(sql: "DELETE FROM actions WHERE key = ?", arguments: [key])
            }
            // Rows go before files: a crash in between leaves orphan files for the next gc.
            let doomed = plan.blobs.filter { !plan.isReferenced($0.digest) && !isRecent($0) }
            for blob in doomed {
                try db.execute(sql: "DELETE FROM blobs WHERE digest = ?", arguments: [blob.digest.hex])
            }
            for blob in doomed { try POSIX.unlinkIfPresent(blob.path) }
            // Rows of files that went missing (deleted by hand, lost in a crash) go too.
            let onDisk = Set(plan.blobs.map(\.digest.hex))
            for hex in try String.fetchAll(db, sql: "SELECT digest FROM blobs") where !onDisk.contains(hex) {
                if let digest = Digest(hex: hex), contains(digest) { continue }
                try db.execute(sql: "DELETE FROM blobs WHERE digest = ?", arguments: [hex])
            }
        }
        if dryRun { try index.read(collect) } else { try index.write(collect) }
        if !dryRun {
            for name in try POSIX.listDirectory(layout.locks) where name.hasSuffix(".lock") {
                _ = try KeyLock.sweep(path: "\(layout.locks)/\(name)")
            }
        }
        return report
    }

    /// The blob files under blobs/, with their paths; names that are not `ab/<hex>.zst` are
    /// not blobs and are left alone.
    func storedBlobs() throws -> [(digest: Digest, path: String)] {
        var blobs: [(Digest, String)] = []
        for shard in try POSIX.listDirectory(layout.blobs) where shard.utf8.count == 2 {
            for name in try POSIX.listDirectory("\(layout.blobs)/\(shard)") where name.hasSuffix(".zst") {
                guard let digest = Digest(hex: String(name.dropLast(4))), digest.hex.hasPrefix(shard) else { continue }
                blobs.append((digest, "\(layout.blobs)/\(shard)/\(name)"))
            }
        }
        return blobs
    }
}

/// Which actions and blobs a gc keeps: reference counts of blobs over the actions that stay.
private struct GCPlan {
    struct Blob { let digest: Digest; let path: String; let size: Int64; let modified: TimeInterval }

    private(set) var blobs: [Blob] = []
    private(set) var droppedKeys: [String] = []
    private var references: [Digest: Int] = [:]

    init(_ db: Database, blobs files: [(digest: Digest, path: String)], keepBytes: Int64?) throws {
        for (digest, path) in files {
            guard let info = try POSIX.fileStatus(path) else { continue }
            let modified = TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9
            blobs.append(Blob(digest: digest, path: path, size: Int64(info.st_size), modified: modified))
        }
        // Oldest use first: the order in which keepBytes gives actions up.
        var actions: [(key: String, blobs: Set<Digest>)] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT key, outputs, log FROM actions ORDER BY last_used, key")
        while let row = try rows.next() {
            var named = Set(try CanonicalJSON.decode(row[1]).values.compactMap(Digest.init(hex:)))
            if let log = (row[2] as String?).flatMap(Digest.init(hex:)) { named.insert(log) }
            actions.append((row[0], named))
            for digest in named { references[digest, default: 0] += 1 }
        }
        guard let keepBytes else { return }
        let sizes = Dictionary(blobs.map { ($0.digest, $0.size) }, uniquingKeysWith: { a, _ in a })
        var total = sizes.filter { isReferenced($0.key) }.values.reduce(0, +)
        for action in actions where total > keepBytes {
            droppedKeys.append(action.key)
            for digest in action.blobs {
                references[digest]! -= 1
                if references[digest] == 0 { total -= sizes[digest] ?? 0 }
            }
        }
    }

    func isReferenced(_ digest: Digest) -> Bool { references[digest, default: 0] > 0 }
}
