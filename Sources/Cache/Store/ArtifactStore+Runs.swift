import Foundation
import GRDB

extension ArtifactStore {
    // Added beside the index's tables when first needed, not by a format bump: an older pipe
    // reads an index with this table unchanged, and no store starts over for it.
    private static let runsTable = """
        CREATE TABLE IF NOT EXISTS runs (
            target TEXT NOT NULL,
            settings TEXT NOT NULL,          -- canonical JSON {key: value} of the given settings
            key TEXT NOT NULL,
            recorded REAL NOT NULL,
            PRIMARY KEY (target, settings)
        ) WITHOUT ROWID
        """

    /// Records that `run.target` was built under `run.settings` (replacing the same pair's record).
    /// A record of the same result made within `touchResolution` is left as it is: a no-op
    /// build then writes nothing, and so pays no sync when the index is closed.
    public func recordRun(_ run: RunRecord) throws {
        let settings = CanonicalJSON.encode(run.settings)
        let current = try index.read { db -> Row? in
            guard try Bool.fetchOne(db, sql: "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'runs'") == true else {
                return nil
            }
            return try Row.fetchOne(db, sql: "SELECT key, recorded FROM runs WHERE target = ? AND settings = ?",
                                    arguments: [run.target, settings])
        }
        if let current, current["key"] as String == run.key.hex,
           run.recorded.timeIntervalSinceReferenceDate - (current["recorded"] as Double) < Self.touchResolution {
            return
        }
        try index.write { db in
            try db.execute(sql: Self.runsTable)
            try db.execute(sql: "INSERT OR REPLACE INTO runs(target, settings, key, recorded) VALUES (?, ?, ?, ?)",
                           arguments: [run.target, settings, run.key.hex,
                                       run.recorded.timeIntervalSinceReferenceDate])
        }
    }

    /// The runs of `target` whose result is still stored (gc may have dropped the others), oldest
    /// first; every run of every target when `target` is nil.
    public func runs(of target: String? = nil) throws -> [RunRecord] {
        let rows: [RunRecord] = try index.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'runs'") == true else {
                return []
            }
            let sql = "SELECT target, settings, key, recorded FROM runs"
                + (target == nil ? "" : " WHERE target = ?") + " ORDER BY recorded"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(target.map { [$0] } ?? [])).compactMap { row in
                guard let key = Digest(hex: row["key"]),
                      let settings = try? JSONDecoder().decode([String: String].self, from: Data((row["settings"] as String).utf8))
                else { return nil }
                return RunRecord(target: row["target"], settings: settings, key: key,
                                 recorded: Date(timeIntervalSinceReferenceDate: row["recorded"]))
            }
        }
        let stored = try actions(for: rows.map(\.key))
        return rows.filter { stored[$0.key] != nil }
    }
}
