import Foundation
import Synchronization

/// The local artifact store: zstd-compressed content-addressed blobs plus a SQLite index.
///
/// Constraints:
/// - A no-op `pipe run` (about 200 stages) must finish in under 50 ms, process start to exit,
///   so opening the store and looking up every stage's key costs a few milliseconds: open does
///   no work proportional to the store's size, and lookups never write.
/// - Artifacts are model weights of hundreds of MB: they are streamed through zstd and
///   SHA-256 in pieces, never held three times over.
/// - Builds get SIGKILLed (OOM killer, ^C twice, a laptop lid). Whatever instant that happens
///   at, the next process opens the store and carries on with no repair step.
/// - Several pipe processes (and many threads in each) share one store.
///
/// On-disk layout under `root`:
///
///     blobs/ab/<64 hex>.zst   one zstd frame of the blob's bytes, named by their SHA-256; the
///                             frame header holds the uncompressed size (reads allocate once)
///     index.sqlite            the index below, in WAL mode (+ -wal, -shm)
///     tmp/                    blobs being written; each is flock'd by its writer while open
///     locks/<64 hex>.lock     per-key flock files, so two processes never compute one key
///     quarantine/             blobs that failed their hash check, kept for post-mortems
///
/// The blob files are the truth about which bytes exist; the index is a cache that can be
/// lost. A blob is published by writing the compressed frame into tmp/, fsync, rename into
/// blobs/, fsync of the directory, and only then its index row: a crash leaves at worst an
/// orphan temp file (swept by gc once no writer holds its flock) or a blob without a row
/// (re-indexed by the next put of its bytes, or by verify). SQLite's WAL makes the index
/// itself crash-safe. An action names blobs that exist at record time; a blob that disappears
/// later (quarantine, a manual rm) makes `action(for:)` a miss, and the stage reruns.
///
/// Key locks are flock(2)s, which the kernel drops when their holder dies, so no lock outlives
/// a killed build. Lock files stay on disk; gc removes the unheld ones, and `lock` re-checks
/// after acquiring that its file is still the one at the path.
///
/// Index schema v1 (`PRAGMA user_version`, see IndexSchema.swift): blobs (sizes, times),
/// actions (one row per stage run, keyed by stage key, inputs/outputs as JSON), heads (the key
/// each stage instance was last built at), files (path+size+mtime -> digest, ninja-style), and
/// meta. An index from a newer pipe is refused (`StoreError.newerIndexFormat`); one from an
/// older pipe, or one that is not SQLite at all, is renamed to `index.sqlite.broken-<time>`
/// and started over with a warning. Starting over forgets action records, so stages rerun,
/// but their outputs hash to blobs already on disk and are not written again; verify
/// re-indexes blob rows from the files (gc drops rows whose file is gone).
///
/// Thread safety: the only mutable state is in SQLite (one GRDB connection per store that
/// threads take turns on; WAL between processes, whose writers queue on SQLite's lock for up
/// to 30 s) and in the file system (atomic renames, content-addressed names, so two writers of
/// one blob write identical bytes).
public final class ArtifactStore: Sendable {
    /// The store directory.
    public let root: URL
    /// zstd level for new blobs (1 fast ... 19 small; 3 is zstd's default).
    public let compressionLevel: Int
    /// zstd worker threads for blobs of 8 MB and more; 0 (the default here) compresses on the
    /// calling thread. Measured with StoreBenchmark, 2 workers made level-3 puts 15-25% slower on
    /// a busy 2-core AMD machine and 1.3x faster on an idle 2-core Intel one (81 MB of float32
    /// weights: 467 against 359 MB/s); `pipe` sets them (PIPE_ZSTD_WORKERS, Session.swift).
    public let compressionThreads: Int
    let onWarning: @Sendable (String) -> Void
    let layout: Layout
    let index: Index
    /// Files hashed by `fileDigest(at:)` so far. Used for tests.
    let filesHashed = Atomic<Int>(0)

    /// Opens the store at `root`, creating it if needed. `onWarning` hears about what the store
    /// repaired by itself (a quarantined blob, an index started over).
    public init(root: URL, compressionLevel: Int = 3, compressionThreads: Int = 0,
                onWarning: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.root = root.standardizedFileURL
        self.compressionLevel = compressionLevel
        self.compressionThreads = compressionThreads
        self.onWarning = onWarning
        layout = Layout(root: self.root.path)
        try layout.create()
        index = try Index(path: layout.index, lockPath: "\(layout.locks)/index.lock", onWarning: onWarning)
    }
}
