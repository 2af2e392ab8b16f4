import Foundation

/// Watches a coordinator's Slurm jobs with one squeue call per interval for all of them (not one
/// per job: slurmctld serves every user of the cluster), on a thread that runs while any job is
/// watched. Jobs squeue no longer lists are asked of `scontrol show job` once each.
final class SlurmQueue: @unchecked Sendable {
    private let client: SlurmClient
    let interval: TimeInterval
    private let condition = NSCondition()
    private var watched: Set<String> = []
    private var statuses: [String: SlurmClient.Status] = [:]
    /// Jobs neither squeue nor scontrol knows (purged, or never existed).
    private var forgotten: Set<String> = []
    private var polling = false
    private var generation = 0
    private var pollCount = 0

    /// squeue calls made so far, for the build's summary and tests.
    var polls: Int { condition.lock(); defer { condition.unlock() }; return pollCount }

    init(client: SlurmClient, interval: TimeInterval) {
        self.client = client
        self.interval = interval
    }

    func watch(_ id: String) {
        condition.lock(); defer { condition.unlock() }
        watched.insert(id)
        if !polling {
            polling = true
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
    /// `.forgotten` once Slurm knows nothing of it.
    enum Answer { case status(SlurmClient.Status), forgotten, unknown }

    func nextAnswer(for id: String) -> Answer {
        condition.lock(); defer { condition.unlock() }
        let start = generation
        let deadline = Date().addingTimeInterval(interval * 3 + 1)
        while generation == start, condition.wait(until: deadline) {}
        if forgotten.contains(id) { return .forgotten }
        return statuses[id].map(Answer.status) ?? .unknown
    }

    private func pollLoop() {
        while true {
            condition.lock()
            let ids = Array(watched).sorted()
            if ids.isEmpty { polling = false; condition.unlock(); return }
            condition.unlock()

            // slurmctld busy or restarting: ask again next interval, forget nothing meanwhile.
            guard var found = try? client.statuses(of: ids) else {
                Thread.sleep(forTimeInterval: interval)
                continue
            }
            var lost = Set<String>()
            for id in ids where found[id] == nil {
                if let status = client.show(id) { found[id] = status } else { lost.insert(id) }
            }
            condition.lock()
            pollCount += 1
            for (id, status) in found where watched.contains(id) { statuses[id] = status }
            forgotten.formUnion(lost.intersection(watched))
            generation += 1
            condition.broadcast()
            condition.unlock()
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
