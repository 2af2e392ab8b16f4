import Foundation
import GRDB

/// The SQLite index of a store: opened (or started over) once, then shared by every thread.
///
/// One connection per process (a GRDB DatabaseQueue; threads take turns, every statement is
/// short), in WAL mode so other processes read while one writes. Not a DatabasePool: a pool
/// writes to the database on every open whose WAL file is empty, which costs two fsyncs
/// (about 9 ms here), on the no-op build's path.
final class Index: Sendable {
    let path: String
    private let queue: DatabaseQueue

    /// Opens the index at `path`, creating it if absent. An index from an older pipe, or one
    /// that is not a readable SQLite file, is renamed aside and started over (with a warning):
    /// everything in it can be recomputed. One from a newer pipe is refused.
    ///
    /// `lockPath` serialises starting over between processes, so that two of them never both
    /// rename an index aside (the second would rename the first's fresh one).
    init(path: String, lockPath: String, onWarning: @Sendable (String) -> Void) throws {
        self.path = path
        switch Self.open(path, setUp: false) {
        case .ready(let queue):
            self.queue = queue
            return
        case .failed(let error):
            throw error
        case .startOver, .needsSetUp:
            break
        }
        // Setting up a new index (WAL, schema) also happens under the lock: two processes
        // creating one store at once otherwise race on `PRAGMA journal_mode`, and SQLite answers
        // the loser "database is locked" without waiting.
        let lock = try KeyLock.acquire(path: lockPath, wait: true)!
        defer { lock.release() }
        // Another process may have set up or started over while we waited for the lock.
        switch Self.open(path, setUp: true) {
        case .ready(let queue):
            self.queue = queue
        case .failed(let error):
            throw error
        case .needsSetUp:
            preconditionFailure("open(setUp: true) sets up")
        case .startOver(let reason):
            let aside = try Self.moveAside(path)
            onWarning("the store index \(path) \(reason); moved it to \(aside) and starting over "
                      + "with an empty index (stages will rerun; blobs already stored are reused)")
            switch Self.open(path, setUp: true) {
            case .ready(let queue): self.queue = queue
            case .failed(let error): throw error
            case .startOver(let reason): throw StoreError.index(path: path, message: "fresh index \(reason)")
            case .needsSetUp: preconditionFailure("open(setUp: true) sets up")
            }
        }
    }

    /// Runs `body` outside any explicit transaction: each statement sees a consistent snapshot
    /// of its own (WAL readers never block writers). Lookups are single statements, and
    /// BEGIN/COMMIT plus GRDB's read-only guard would triple their cost (30 µs a call).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try translatingErrors { try queue.inDatabase(body) }
    }

    /// Runs `body` in an immediate write transaction: the one writer of all processes.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try translatingErrors {
            try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        }
    }

    /// StoreErrors pass through; SQLite's and any other become StoreError.index naming this file.
    private func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw StoreError.index(path: path, message: "SQLite error \(error.resultCode.rawValue): \(error.message ?? "")")
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.index(path: path, message: "\(error)")
        }
    }
}

/// A row that SQLite returned fine but that pipe cannot make sense of.
struct MalformedRow: Error, CustomStringConvertible {
    let description: String
}

// MARK: - Opening

extension Index {
    private enum Opening {
        case ready(DatabaseQueue)
        case startOver(reason: String)
        /// Not yet at this format (new, or empty): open again with `setUp`, under the lock.
        case needsSetUp
        case failed(Error)
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        // Several pipe processes share one store; a writer waits for another rather than failing.
        // Writes are short (one stage's rows), so 30 s means something is stuck, not busy.
        configuration.busyMode = .timeout(30)
        configuration.label = "pipe.store.index"
        // With WAL, NORMAL syncs at checkpoints only: a power cut may lose the last commits but
        // never corrupts, and losing them costs a rerun, which is what a cache may cost.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        return configuration
    }

    private static func open(_ path: String, setUp: Bool) -> Opening {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration())
            // The common case costs one read of the header page.
            let version = try queue.read { try Int.fetchOne($0, sql: "PRAGMA user_version") ?? 0 }
            if version == IndexSchema.version { return .ready(queue) }
            if version > IndexSchema.version { return .failed(newer(path, version)) }
            guard setUp else { return .needsSetUp }
            // WAL is recorded in the file, so this runs once per index (and cannot run inside
            // a transaction).
            try queue.writeWithoutTransaction { db in
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                guard mode == "wal" else { throw StoreError.index(path: path, message: "could not turn on WAL mode (got \(mode ?? "nothing"))") }
            }
            // Re-read inside the write lock: another process may be creating the schema now.
            let outcome: Opening? = try queue.writeWithoutTransaction { db in
                var outcome: Opening?
                try db.inTransaction(.immediate) {
                    let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                    let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                    if version > IndexSchema.version {
                        outcome = .failed(newer(path, version))
                    } else if version < IndexSchema.version && (version != 0 || tables != 0) {
                        outcome = .startOver(reason: "has format v\(version), this pipe writes v\(IndexSchema.version)")
                    } else if version == 0 {
                        try create(db)
                    }
                    return .commit
                }
                return outcome
            }
            return outcome ?? .ready(queue)
        } catch let error as StoreError {
            return .failed(error)
        } catch let error as DatabaseError
                    where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            return .startOver(reason: "is not a readable SQLite database (\(error.message ?? "error \(error.resultCode.rawValue)"))")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY
                    || error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_PERM {
            return .failed(StoreError.notWritable(path: path, reason: error.message ?? "cannot open for writing"))
        } catch {
            return .failed(StoreError.index(path: path, message: "\(error)"))
        }
    }

    private static func newer(_ path: String, _ version: Int) -> StoreError {
        .newerIndexFormat(path: path, found: version, supported: IndexSchema.version)
    }

    private static func create(_ db: Database) throws {
        for statement in IndexSchema.statements { try db.execute(sql: statement) }
        try db.execute(sql: "INSERT INTO meta(name, value) VALUES ('created', ?), ('format', ?)",
                       arguments: [ISO8601DateFormatter().string(from: Date()),
                                   "pipe artifact store index v\(IndexSchema.version)"])
        try db.execute(sql: "PRAGMA user_version = \(IndexSchema.version)")
    }

    /// Renames the index (and its WAL, which belongs to it) to `<path>.broken-<timestamp>`.
    /// The shared-memory file is only a cache of the WAL and is removed.
    ///
    /// The WAL goes first: killed halfway, we leave the old index without its WAL (the next
    /// open starts over again), never a fresh index next to an old WAL that SQLite would replay
    /// into it.
    private static func moveAside(_ path: String) throws -> String {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let aside = "\(path).broken-\(stamp)-\(getpid())"
        try POSIX.unlinkIfPresent(path + "-shm")
        if try POSIX.fileStatus(path + "-wal") != nil { try POSIX.renameFile(path + "-wal", aside + "-wal") }
        try POSIX.renameFile(path, aside)
        return aside
    }
}
