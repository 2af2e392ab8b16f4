import Cache
import Foundation

/// Working directories of failed stages, kept in the store's logs/ beside their failed logs.
///
/// A command that fails after writing half its files leaves the clues in its directory; removing
/// it with the scratch space (as Snakemake did before --keep-incomplete, snakemake#3351) leaves the
/// user only the log. So the directory is moved, not copied, to `logs/<stage>-<key>.failed/`; the
/// newest `limit` are kept, a later success of the same key removes its own, and `pipe gc` removes
/// them all. Nothing in them is ever taken as a result: results enter the store only on success.
public enum FailedDirectories {
    /// How many failed directories a store keeps; the oldest go first.
    public static let limit = 5

    static let suffix = ".failed"

    static func logs(_ store: ArtifactStore) -> URL {
        store.root.appendingPathComponent("logs", isDirectory: true)
    }

    static func url(stage: String, key: Digest, store: ArtifactStore) -> URL {
        logs(store).appendingPathComponent("\(stage)-\(key.short)\(suffix)", isDirectory: true)
    }

    /// Where a failed run of `stage` at `key` leaves its log (a plain file the error names).
    static func logURL(stage: String, key: Digest, store: ArtifactStore) -> URL {
        logs(store).appendingPathComponent("\(stage)-\(key.short)\(suffix).log")
    }

    /// The log of the last run of `stage` at `key` if that run failed (one stat, for `pipe status`).
    public static func failedLog(stage: String, key: Digest, store: ArtifactStore) -> URL? {
        let url = logURL(stage: stage, key: key, store: store)
        return access(url.path, F_OK) == 0 ? url : nil
    }

    /// Moves `directory` (in the stage's scratch space) to the stage's failed directory, replacing
    /// an earlier one, and removes the oldest beyond `limit`; returns its path, or nil when there is
    /// nothing to keep or it could not be moved (the failure is reported all the same).
    static func keep(_ directory: URL?, stage: String, key: Digest, store: ArtifactStore) -> String? {
        guard let directory, InputPlacement.isDirectory(directory.path) else { return nil }
        let destination = url(stage: stage, key: key, store: store)
        let manager = FileManager.default
        try? manager.createDirectory(at: logs(store), withIntermediateDirectories: true)
        InputPlacement.makeRemovable(destination)
        try? manager.removeItem(at: destination)
        guard rename(directory.path, destination.path) == 0 else { return nil }
        // Its modification time orders it among the kept ones.
        utimes(destination.path, nil)
        prune(store, keeping: limit)
        return destination.path
    }

    /// Removes the failed directory and log of `stage` at `key`, if any (it has succeeded since).
    static func forget(stage: String, key: Digest, store: ArtifactStore) {
        unlink(logURL(stage: stage, key: key, store: store).path)
        let destination = url(stage: stage, key: key, store: store)
        guard InputPlacement.isDirectory(destination.path) else { return }
        InputPlacement.makeRemovable(destination)
        try? FileManager.default.removeItem(at: destination)
    }

    /// The kept directories, newest first.
    public static func list(_ store: ArtifactStore) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: logs(store).path)) ?? []
        let found = names.filter { $0.hasSuffix(suffix) }.map { logs(store).appendingPathComponent($0, isDirectory: true) }
            .filter { InputPlacement.isDirectory($0.path) }
        return found.map { ($0, modified($0)) }.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// Removes every kept directory but the newest `keeping`; returns how many it removed (or would).
    @discardableResult
    public static func prune(_ store: ArtifactStore, keeping: Int = 0, dryRun: Bool = false) -> Int {
        let old = list(store).dropFirst(keeping)
        guard !dryRun else { return old.count }
        for directory in old {
            InputPlacement.makeRemovable(directory)
            try? FileManager.default.removeItem(at: directory)
        }
        return old.count
    }

    /// The newest failed run of `stage` in `store`: its log (`logs/<stage>-<key>.failed.log`) and
    /// its kept directory, when it still is.
    public static func lastFailure(stage: String, store: ArtifactStore) -> (log: URL, directory: URL?)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: logs(store).path)) ?? []
        let logsOfStage = names.filter { name in
            guard name.hasPrefix(stage + "-"), name.hasSuffix(suffix + ".log") else { return false }
            let key = name.dropFirst(stage.count + 1).dropLast(suffix.count + 4)
            return key.count == 12 && key.allSatisfy(\.isHexDigit)
        }.map { logs(store).appendingPathComponent($0) }
        guard let log = logsOfStage.max(by: { modified($0) < modified($1) }) else { return nil }
        let directory = URL(fileURLWithPath: String(log.path.dropLast(4)), isDirectory: true)
        return (log, InputPlacement.isDirectory(directory.path) ? directory : nil)
    }

    private static func modified(_ url: URL) -> Double {
        var status = stat()
        guard stat(url.path, &status) == 0 else { return 0 }
        return Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) * 1e-9
    }
}
