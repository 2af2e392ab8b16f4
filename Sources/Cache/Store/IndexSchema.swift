/// The index's tables, and the version stamped into `PRAGMA user_version`.
///
/// Bump `version` on any change a previous pipe could misread; the previous pipe then refuses
/// the index (`StoreError.newerIndexFormat`) and this one starts older indexes over.
enum IndexSchema {
    static let version = 1

    // Digests are 64-char lowercase hex, so `sqlite3 index.sqlite` output can be pasted into
    // `pipe show`. Times are REAL seconds since 2001 (Date.timeIntervalSinceReferenceDate), which
    // round-trip a Date exactly; file times are integer nanoseconds like stat(2)'s.
    // WITHOUT ROWID: every table is looked up by its text primary key only.
    static let statements = [
        """
        CREATE TABLE blobs (
            digest TEXT PRIMARY KEY NOT NULL,
            stored_size INTEGER NOT NULL,     -- bytes of the .zst file
            original_size INTEGER NOT NULL,   -- bytes before compression
            created REAL NOT NULL,
            last_used REAL NOT NULL           -- last put() of these bytes
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE actions (
            key TEXT PRIMARY KEY NOT NULL,
            stage TEXT NOT NULL,
            kind TEXT NOT NULL,
            params TEXT NOT NULL,
            inputs TEXT NOT NULL,             -- JSON {name: digest}
            code_digest TEXT NOT NULL,
            code_files TEXT NOT NULL,         -- JSON {path: sha256}
            outputs TEXT NOT NULL,            -- JSON {name: digest}
            started REAL NOT NULL,
            finished REAL NOT NULL,
            host TEXT NOT NULL,
            pipe_version TEXT NOT NULL,
            log TEXT,
            last_used REAL NOT NULL           -- set by record() and touch(); gc drops the oldest first
        ) WITHOUT ROWID
        """,
        "CREATE INDEX actions_by_stage ON actions(stage, finished)",
        """
        CREATE TABLE heads (
            stage TEXT PRIMARY KEY NOT NULL,
            key TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE files (
            path TEXT PRIMARY KEY NOT NULL,   -- absolute
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            digest TEXT NOT NULL,
            hashed_at_ns INTEGER NOT NULL     -- when hashing began; see fileDigest(at:)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE meta (
            name TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) WITHOUT ROWID
        """,
    ]
}
