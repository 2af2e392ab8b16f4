import Foundation

/// Watches a coordinator's Slurm jobs with one squeue call per interval for all of them (not one
/// per job: slurmctld serves every user of the cluster), on a thread that runs while any job is
/// watched. Jobs squeue no longer lists are asked of `scontrol show job` once each.
///
/// A failed poll (slurmctld busy or restarting) changes nothing: the jobs keep their last state
/// and the next interval asks again. Only when Slurm has not answered for `unreachableTimeout`
/// seconds does a waiter hear `.unreachable`, so a build whose cluster is gone fails instead of
/// waiting forever.
final class SlurmQueue: @unchecked Sendable {
    private let client: SlurmClient
    let interval: TimeInterval
    let unreachableTimeout: TimeInterval
    private let condition = NSCondition()
    private var watched: Set<String> = []
    private var statuses: [String: SlurmClient.Status] = [:]
    /// Jobs neither squeue nor scontrol knows (purged, or never existed).
    private var forgotten: Set<String> = []
    private var polling = false
    private var generation = 0
    private var pollCount = 0
    /// When Slurm last answered a whole poll (or polling started), and what failed since.
    private var lastAnswer = Date()
    private var lastFailure: String?

    /// squeue calls made so far, for the build's summary and tests.
    var polls: Int { condition.lock(); defer { condition.unlock() }; return pollCount }

    init(client: SlurmClient, interval: TimeInterval, unreachableTimeout: TimeInterval) {
        self.client = client
        self.interval = interval
        self.unreachableTimeout = unreachableTimeout
    }

    func watch(_ id: String) {
        condition.lock(); defer { condition.unlock() }
        watched.insert(id)
        if !polling {
            polling = true
            lastAnswer = Date()
            lastFailure = nil
            let thread = Thread { [self] in pollLoop() }
            thread.start()
        }
    }

    func unwatch(_ id: String) {
        condition.lock(); defer { condition.unlock() }
        watched.remove(id)
        statuses.removeValue(forKey: id)
        forgotten.remove(id)
    }

    /// The job's status after the next poll (or after a few intervals if squeue keeps failing);
    /// `.forgotten` once Slurm knows nothing of it; `.unreachable` with the last failure once
    /// Slurm has not answered for `unreachableTimeout` seconds.
    enum Answer: Equatable { case status(SlurmClient.Status), forgotten, unknown, unreachable(String) }

    func nextAnswer(for id: String) -> Answer {
        condition.lock(); defer { condition.unlock() }
        let start = generation
        let deadline = Date().addingTimeInterval(interval * 3 + 1)
        while generation == start, condition.wait(until: deadline) {}
        if forgotten.contains(id) { return .forgotten }
        // Before the last known status: that one is stale while Slurm does not answer.
        let silent = Date().timeIntervalSince(lastAnswer)
        if silent >= unreachableTimeout {
            return .unreachable(lastFailure ?? "squeue has not answered for \(Int(silent)) s")
        }
        return statuses[id].map(Answer.status) ?? .unknown
    }

    private func pollLoop() {
        while true {
            condition.lock()
            let ids = Array(watched).sorted()
            if ids.isEmpty { polling = false; condition.unlock(); return }
            condition.unlock()

            var failure: String?
            var found: [String: SlurmClient.Status] = [:]
            var lost = Set<String>()
            do {
                found = try client.statuses(of: ids)
                for id in ids where found[id] == nil {
                    do {
                        if let status = try client.show(id) { found[id] = status } else { lost.insert(id) }
                    } catch {
                        // Says nothing of the job: it keeps its state, and the poll counts as failed.
                        failure = "\(error)"
                    }
                }
            } catch {
                failure = "\(error)"
            }
            condition.lock()
            pollCount += 1
            for (id, status) in found where watched.contains(id) { statuses[id] = status }
            forgotten.formUnion(lost.intersection(watched))
            if let failure { lastFailure = failure } else { lastAnswer = Date(); lastFailure = nil }
            // Waiters wake after a failed poll too: they check how long Slurm has been silent.
            generation += 1
            condition.broadcast()
            condition.unlock()
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
