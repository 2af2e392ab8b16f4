import Foundation

/// The runs of a target on a remote (what `pipe runs TARGET --remote R` lists): one entry of its
/// action namespace per target, named by the SHA-256 of "pipe-runs-1:" + the target, holding the
/// runs pushed there as JSON. A push merges its runs into the entry (read, merge, write: two
/// machines pushing the same target at the same instant can lose one's new runs; push again).
extension RemoteCache {
    struct RunsEntry: Codable {
        var format = "pipe-runs-1"
        var runs: [RunRecord]
    }

    static func runsName(of target: String) -> String { Digest.of(Data("pipe-runs-1:\(target)".utf8)).hex }

    /// The runs of `target` the remote lists (their results may since have been dropped there).
    public func remoteRuns(of target: String) throws -> [RunRecord] {
        let name = Self.runsName(of: target)
        guard let data = try remote.get(.ac, name) else { return [] }
        do {
            return try JSONDecoder().decode(RunsEntry.self, from: data).runs
        } catch {
            throw RemoteError.badAction(url: "\(remote.location)/ac/\(name)", reason: "not a list of runs (\(error))")
        }
    }

    /// Adds the local runs of `target` whose result the remote has to the remote's list; returns
    /// how many it lists now.
    @discardableResult
    public func pushRuns(of target: String) throws -> Int {
        var merged: [String: RunRecord] = [:]
        for run in try remoteRuns(of: target) { merged[CanonicalJSON.encode(run.settings)] = run }
        for run in try store.runs(of: target) where try remoteHasResult(key: run.key) {
            let settings = CanonicalJSON.encode(run.settings)
            if let known = merged[settings], known.recorded >= run.recorded { continue }
            merged[settings] = run
        }
        let runs = merged.values.sorted { $0.recorded < $1.recorded }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try remote.put(.ac, Self.runsName(of: target), try encoder.encode(RunsEntry(runs: runs)))
        return runs.count
    }
}
