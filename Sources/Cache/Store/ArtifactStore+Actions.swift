import Foundation
import GRDB

// MARK: - Looking actions up

extension ArtifactStore {
    /// The record of stage key `key`, or nil if unknown or if any blob it names (an output or
    /// its log) is gone: then the stage must rerun. Reads only; see `touch(keys:)` for LRU.
    public func action(for key: Digest) throws -> ActionRecord? {
        let record = try index.read { db in
            try ActionRow.fetchOne(db, where: "key = ?", [key.hex])
        }
        guard let record, hasBlobs(record) else { return nil }
        return record
    }

    /// `action(for:)` of many keys in one read transaction: the no-op build's batch lookup.
    /// Keys with no usable record are absent from the result.
    public func actions(for keys: [Digest]) throws -> [Digest: ActionRecord] {
        // One statement per 500 keys (SQLite allows 32766 parameters), not one per key.
        let records = try index.read { db in
            try stride(from: 0, to: keys.count, by: 500).flatMap { start in
                let chunk = keys[start..<min(start + 500, keys.count)]
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                return try ActionRow.fetchAll(db, where: "key IN (\(placeholders))",
                                              StatementArguments(chunk.map(\.hex)))
            }
        }
        var found: [Digest: ActionRecord] = [:]
        for record in records where hasBlobs(record) { found[record.key] = record }
        return found
    }

    /// Every record of stage instance `stage`, newest (by finish time) first.
    public func actions(forStage stage: String) throws -> [ActionRecord] {
        try index.read { db in
            try ActionRow.fetchAll(db, where: "stage = ? ORDER BY finished DESC", [stage])
        }
    }

    /// Every record, newest first.
    public func allActions() throws -> [ActionRecord] {
        try index.read { db in try ActionRow.fetchAll(db, where: "1 ORDER BY finished DESC", []) }
    }

    /// The records that name blob `digest` as an output or log, newest first.
    public func actionsProducing(_ digest: Digest) throws -> [ActionRecord] {
        // LIKE narrows the scan to rows mentioning the hex; the filter keeps exact matches.
        let candidates = try index.read { db in
            try ActionRow.fetchAll(db, where: "outputs LIKE ? OR log = ? ORDER BY finished DESC",
                                   ["%\(digest.hex)%", digest.hex])
        }
        return candidates.filter { $0.blobs.contains(digest) }
    }

    private func hasBlobs(_ record: ActionRecord) -> Bool {
        record.blobs.allSatisfy(contains)
    }
}

// MARK: - Recording actions

extension ArtifactStore {
    /// Records a finished stage run (replacing any record of the same key). Every blob it names
    /// must already be in the store, else `StoreError.actionNamesMissingBlob`.
    public func record(_ action: ActionRecord) throws {
        let now = Date().timeIntervalSinceReferenceDate
        try index.write { db in
            // Checked inside the write transaction, which gc holds while it deletes blobs.
            for (name, digest) in action.outputs.sorted(by: { $0.key < $1.key }) where !contains(digest) {
                throw StoreError.actionNamesMissingBlob(key: action.key, name: "output '\(name)'", digest: digest)
            }
            if let log = action.log, !contains(log) {
                throw StoreError.actionNamesMissingBlob(key: action.key, name: "log", digest: log)
            }
            try ActionRow.insert(action, lastUsed: now, into: db)
        }
    }

    /// Drops the record of `key` (the stage reruns next time); its blobs stay until gc.
    public func forget(key: Digest) throws {
        try index.write { db in
            try db.execute(sql: "DELETE FROM actions WHERE key = ?", arguments: [key.hex])
        }
    }
}

// MARK: - Heads

extension ArtifactStore {
    /// The key stage instance `stage` was last built or confirmed at, if any.
    public func head(ofStage stage: String) throws -> Digest? {
        try index.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT key FROM heads WHERE stage = ?"), arguments: [stage])
        }.flatMap(Digest.init(hex:))
    }

    /// Every stage's head, in one query.
    public func heads() throws -> [String: Digest] {
        try index.read { db in
            var heads: [String: Digest] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT stage, key FROM heads")
            while let row = try rows.next() {
                if let key = Digest(hex: row[1]) { heads[row[0]] = key }
            }
            return heads
        }
    }

    /// Sets the head of `stage`; when it is already `key` this is one read and no write, so a
    /// no-op build does not contend for the index's write lock.
    public func setHead(stage: String, key: Digest) throws {
        if try head(ofStage: stage) == key { return }
        try index.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO heads(stage, key) VALUES (?, ?)", arguments: [stage, key.hex])
        }
    }
}

// MARK: - Row mapping

/// How an ActionRecord maps onto a row of the actions table.
enum ActionRow {
    static let columns = """
        key, stage, kind, params, inputs, code_digest, code_files, outputs, started, finished, host, pipe_version, log
        """

    static func fetchOne(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> ActionRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM actions WHERE \(condition)")
        return try Row.fetchOne(statement, arguments: arguments).map { try decode($0) }
    }

    static func fetchAll(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [ActionRecord] {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM actions WHERE \(condition)")
        return try Row.fetchAll(statement, arguments: arguments).map { try decode($0) }
    }

    static func insert(_ action: ActionRecord, lastUsed: Double, into db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO actions(\(columns), last_used) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
            .execute(arguments: [
                action.key.hex, action.stage, action.kind, action.params,
                CanonicalJSON.encode(action.inputs.mapValues(\.hex)), action.codeDigest,
                CanonicalJSON.encode(action.codeFiles), CanonicalJSON.encode(action.outputs.mapValues(\.hex)),
                action.started.timeIntervalSinceReferenceDate, action.finished.timeIntervalSinceReferenceDate,
                action.host, action.pipeVersion, action.log?.hex, lastUsed,
            ])
    }

    private static func decode(_ row: Row) throws -> ActionRecord {
        let keyHex: String = row[0]
        func digest(_ hex: String) throws -> Digest {
            guard let digest = Digest(hex: hex) else { throw malformed(keyHex) }
            return digest
        }
        func digests(_ json: String) throws -> [String: Digest] {
            try CanonicalJSON.decode(json).mapValues(digest)
        }
        do {
            return ActionRecord(
                key: try digest(keyHex), stage: row[1], kind: row[2], params: row[3],
                inputs: try digests(row[4]), codeDigest: row[5], codeFiles: try CanonicalJSON.decode(row[6]),
                outputs: try digests(row[7]),
                started: Date(timeIntervalSinceReferenceDate: row[8]),
                finished: Date(timeIntervalSinceReferenceDate: row[9]),
                host: row[10], pipeVersion: row[11], log: try (row[12] as String?).map(digest))
        } catch is CanonicalJSON.Malformed {
            throw malformed(keyHex)
        }
    }

    private static func malformed(_ key: String) -> MalformedRow {
        MalformedRow(description: "the action row of key \(key) is malformed")
    }
}
