import Cache
import Foundation

/// Produces each stage as one Slurm batch job running `pipe exec-stage` on a node, which stores
/// the result in the shared store; the coordinator (this process) learns the outcome from the
/// store and from Slurm's job state, never from files the job leaves.
///
/// Submission is coordinator-driven: a stage is submitted when its inputs exist, not chained
/// ahead with `--dependency=afterok`. A stage's key is computed from its inputs' actual digests
/// (that is what gives early cutoff: an upstream rerun that reproduces its bytes leaves the key,
/// and so the stored result below it, unchanged), so downstream keys, and whether downstream
/// must run at all, are unknown until the upstream job finishes. The cost is one scheduling
/// round per level of the graph.
///
/// No key runs twice at once: under a per-key submit lock in the store, the coordinator first
/// looks for a live job of the key (job name `pipe-<key short>`, comment the full key) and adopts
/// it, e.g. one left by a coordinator that was killed; and the job itself computes under the
/// store's key lock and exits at once if the result is already stored.
///
/// With `settings.jobStore` the nodes need not share the coordinator's file system: the spec
/// travels base64 on the job's command line, the job stores into that node-local path, pulls
/// the upstream actions its inputs come from out of the remote and pushes its result there;
/// the coordinator then pulls it (`request.storedResult()`). The job's output stays on its node.
public final class SlurmExecutor: StageExecutor, @unchecked Sendable {
    public let settings: SlurmSettings
    let client: SlurmClient
    let queue: SlurmQueue

    public convenience init(settings: SlurmSettings) { self.init(settings: settings, client: SlurmClient()) }

    init(settings: SlurmSettings, client: SlurmClient) {
        self.settings = settings
        self.client = client
        queue = SlurmQueue(client: client, interval: settings.pollInterval, unreachableTimeout: settings.unreachableTimeout)
    }

    private let countLock = NSLock()
    private var submittedCount = 0, adoptedCount = 0, retriedCount = 0

    /// What this executor did, for the build's summary line.
    public var summary: String {
        countLock.withLock {
            "\(submittedCount) jobs submitted, \(adoptedCount) adopted, \(queue.polls) squeue polls"
                + (retriedCount > 0 ? ", \(retriedCount) resubmitted after a lost node" : "")
        }
    }

    /// Job states in which the cluster, not the stage, failed: worth a resubmission.
    static let lostStates: Set<String> = ["NODE_FAIL", "BOOT_FAIL", "PREEMPTED"]

    public func produce(_ request: StageRequest) throws -> Produced {
        let resources = settings.resources.resources(for: request.stage)
        if resources.onCoordinator { return try LocalExecutor().produce(request) }
        var attempt = 0
        while true {
            do {
                return try produceOnce(request, resources: resources)
            } catch let BuildError.jobFailed(stage, key, _, job, state, _, _, _)
                where attempt < settings.retries && Self.lostStates.contains(where: { state.hasPrefix($0) }) {
                attempt += 1
                countLock.withLock { retriedCount += 1 }
                request.observer?.warning("\(stage): job \(job) was lost (\(state)); submitting it again "
                                          + "(retry \(attempt) of \(settings.retries), key \(key.short))")
            }
        }
    }

    private func produceOnce(_ request: StageRequest, resources: StageResources) throws -> Produced {
        let job: String, adopted: Bool
        switch try submitOrAdopt(request, resources: resources) {
        case let .stored(action): return .found(action)
        case let .job(id, wasAdopted): (job, adopted) = (id, wasAdopted)
        }
        return try wait(for: job, adopted: adopted, request: request, resources: resources)
    }

    private enum Submission { case stored(ActionRecord), job(String, adopted: Bool) }

    private func submitOrAdopt(_ request: StageRequest, resources: StageResources) throws -> Submission {
        let (stage, key) = (request.stage, request.key)
        let lock = try request.store.lock(named: "submit-\(key.hex)")
        defer { lock.release() }
        if let action = try request.storedResult() { return .stored(action) }
        do {
            if let live = try client.liveJob(name: Self.jobName(key), comment: key.hex) {
                request.observer?.stageQueued(stage, key: key, job: live, state: "adopted",
                                              reason: "submitted earlier for this key")
                countLock.withLock { adoptedCount += 1 }
                return .job(live, adopted: true)
            }
            let command: [String]
            if let jobStore = settings.jobStore, let remote = settings.remote {
                // Nothing through the file system: the spec travels on the job's command line.
                let spec = JobSpec(request, settings: settings.settings, jobStore: jobStore, remote: remote)
                command = [settings.executable, "exec-stage", spec.stage, "--job-spec-inline", spec.inline]
            } else {
                let spec = JobSpec.url(store: request.store, key: key)
                let job = JobSpec(request, settings: settings.settings)
                try job.write(to: spec)
                try FileManager.default.createDirectory(at: outputPattern(request.store, key: key).deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                command = [settings.executable, "exec-stage", job.stage, "--job-spec", spec.path]
            }
            let id = try client.submit(arguments(stage: stage, key: key, command: command,
                                                 output: outputPattern(request.store, key: key), resources: resources))
            countLock.withLock { submittedCount += 1 }
            request.observer?.stageQueued(stage, key: key, job: id, state: "submitted", reason: "")
            return .job(id, adopted: false)
        } catch let error as SlurmClient.CommandFailed {
            throw BuildError.submitFailed(stage: stage.name, key: key, engine: "Slurm", message: "\(error)")
        }
    }

    func arguments(stage: Stage, key: Digest, command: [String], output: URL, resources: StageResources) -> [String] {
        // Slurm fails a job whose --output directory is missing on the node, and the coordinator
        // cannot create a node-local one: with a job store, the job's shell creates it and
        // redirects pipe's output there (Slurm's own messages go nowhere).
        let local = settings.jobStore != nil
        var arguments = [
            "--job-name=\(Self.jobName(key))", "--comment=\(key.hex)", "--output=\(local ? "/dev/null" : output.path)",
            "--chdir=\(settings.workingDirectory)",
            // The coordinator decides what reruns (and resubmits); Slurm must not requeue on its own.
            "--no-requeue",
            "--cpus-per-task=\(resources.cpus)",
        ]
        if let mb = resources.memoryMB { arguments.append("--mem=\(mb)M") }
        if let minutes = resources.timeMinutes { arguments.append("--time=\(minutes)") }
        if resources.gpus > 0 { arguments.append("--gres=gpu:\(resources.gpus)") }
        if let partition = settings.partition { arguments.append("--partition=\(partition)") }
        if let account = settings.account { arguments.append("--account=\(account)") }
        let quoted = command.map(Self.shellQuote).joined(separator: " ")
        if local {
            let directory = Self.shellQuote(output.deletingLastPathComponent().path)
            let file = Self.shellQuote(output.path.replacingOccurrences(of: "%j", with: "@JOB@"))
                .replacingOccurrences(of: "@JOB@", with: "'\"$SLURM_JOB_ID\"'")
            arguments.append("--wrap=mkdir -p \(directory) && exec \(quoted) >\(file) 2>&1")
        } else {
            arguments.append("--wrap=exec " + quoted)
        }
        return arguments
    }

    private func wait(for job: String, adopted: Bool, request: StageRequest, resources: StageResources) throws -> Produced {
        let (stage, key, observer) = (request.stage, request.key, request.observer)
        let started = Date()
        let outputPath = outputPattern(request.store, key: key).path.replacingOccurrences(of: "%j", with: job)
        let output = FileFollower(path: outputPath)
        func forward() {
            for line in output.newLines() {
                switch JobOutput.parse(line) {
                case let .log(text): observer?.stageLog(stage, text)
                case let .progress(progress): observer?.stageProgress(stage, progress)
                }
            }
        }
        queue.watch(job)
        defer { queue.unwatch(job) }
        var last: SlurmClient.Status?
        var final: SlurmClient.Status?
        polling: while true {
            let answer = queue.nextAnswer(for: job)
            forward()
            if request.isCancelled() {
                // Jobs adopted from another coordinator are not ours to cancel.
                if !adopted { try? client.cancel(job) }
                throw CancellationError()
            }
            switch answer {
            case .unknown: continue
            case .forgotten: break polling
            case let .unreachable(failure):
                // Not cancelled: Slurm cannot be asked to, and the job may still store its result,
                // which the next build then finds (or adopts the job).
                throw BuildError.clusterUnreachable(stage: stage.name, key: key, engine: "Slurm", job: job,
                                                    message: unreachableAdvice(failure))
            case let .status(status):
                if status != last {
                    if status.state == "RUNNING" { observer?.stageStarted(stage, key: key) }
                    else { observer?.stageQueued(stage, key: key, job: job, state: status.state, reason: status.reason) }
                    last = status
                }
                if status.isFinished { final = status; break polling }
            }
        }
        forward()
        // The store is the truth (with a job store: the remote, pulled into our store): a stored
        // result counts whatever the job's final state.
        if let record = try result(of: request) {
            // Failed jobs keep their spec for a post-mortem (`pipe exec-stage` can rerun it by hand).
            try? FileManager.default.removeItem(at: JobSpec.url(store: request.store, key: key))
            return .ran(record, seconds: Date().timeIntervalSince(started))
        }
        let tail = JobOutput.tail(outputPath)
        var state = final?.state ?? "UNKNOWN"
        // Without cgroups, slurmstepd's memory enforcement ends a job FAILED or CANCELLED and says why in its output.
        if state == "FAILED" || state == "CANCELLED",
           tail.contains(where: { $0.contains("exceeded memory limit") || $0.contains("Exceeded job memory limit") }) {
            state = "OUT_OF_MEMORY"
        }
        var shown = state
        if let reason = final?.reason, reason != "None", !reason.isEmpty { shown += " (reason: \(reason))" }
        // A job store's output is on the job's node: shown here only if this machine can read it.
        let log = settings.jobStore != nil && !FileManager.default.isReadableFile(atPath: outputPath)
            ? "\(outputPath) (on the job's node, not readable here)" : outputPath
        throw BuildError.jobFailed(stage: stage.name, key: key, engine: "Slurm", job: job, state: shown,
                                   advice: advice(state, stage: stage, resources: resources, store: request.store),
                                   log: log, tail: tail)
    }

    /// What to check when Slurm's clients keep failing: the daemon and the config they read.
    private func unreachableAdvice(_ failure: String) -> String {
        let conf = ProcessInfo.processInfo.environment["SLURM_CONF"].map { "SLURM_CONF=\($0)" }
            ?? "SLURM_CONF unset, so /etc/slurm/slurm.conf"
        return "Slurm's clients have failed for \(Int(settings.unreachableTimeout)) s; last: \(failure)\n"
            + "  Is slurmctld up (`scontrol ping`), and is the config the clients read (\(conf)) this cluster's? "
            + "The job may still finish and store its result; building again finds it or adopts the job. "
            + "PIPE_SLURM_UNREACHABLE_TIMEOUT=SECONDS waits longer."
    }

    private func advice(_ state: String, stage: Stage, resources: StageResources, store: ArtifactStore) -> String {
        switch state {
        case "CANCELLED":
            return "it was cancelled (scancel or an administrator); build again to resubmit it"
        case "TIMEOUT":
            let limit = resources.timeMinutes.map { "\($0) min" } ?? "the partition's default"
            return "it ran past its time limit (\(limit)); raise it with --set slurm.\(stage.name).time=MINUTES and build again"
        case "OUT_OF_MEMORY":
            let limit = resources.memoryMB.map { "\($0) MB" } ?? "the partition's default"
            return "it was killed for using more memory than it asked for (\(limit)); raise it with --set slurm.\(stage.name).mem=8G and build again"
        case "NODE_FAIL", "BOOT_FAIL":
            return "its node failed (see `sinfo -R`); build again to resubmit it, or pass --retries N to have "
                + "pipe resubmit lost jobs by itself"
        case "COMPLETED" where settings.jobStore != nil:
            return "it finished but the remote \(settings.remote ?? "") has no complete result of this key"
        case "COMPLETED":
            return "it finished but no result of this key is in \(store.root.path): nodes and coordinator must share that path"
        case "FAILED":
            return "the stage failed on the node; its log follows"
        case "UNKNOWN":
            return "Slurm no longer knows the job and it stored no result; build again to resubmit it"
        default:
            return "build again to resubmit it"
        }
    }

    /// The result the job stored: in the shared store, or, with a job store, on the remote
    /// (pulled into the coordinator's store, blobs verified).
    private func result(of request: StageRequest) throws -> ActionRecord? {
        guard settings.jobStore != nil else { return try request.store.action(for: request.key) }
        // A forced stage's old result may be in our store; the job just pushed the new one.
        if request.forced { return try request.remote?.fetch(key: request.key) }
        return try request.storedResult()
    }

    /// The job's output: in the shared store, or in the node-local job store (readable here
    /// only if this machine is the node or shares that path).
    func outputPattern(_ store: ArtifactStore, key: Digest) -> URL {
        guard let jobStore = settings.jobStore else { return Self.outputPattern(store: store, key: key) }
        return URL(fileURLWithPath: jobStore).appendingPathComponent("logs/slurm/\(key.short)-%j.out")
    }

    /// `pipe-<key short>`: how squeue finds a key's job (its comment holds the full key).
    static func jobName(_ key: Digest) -> String { "pipe-\(key.short)" }

    /// `<store>/logs/slurm/<key short>-%j.out`: the job's output, found again from key and job id.
    static func outputPattern(store: ArtifactStore, key: Digest) -> URL {
        store.root.appendingPathComponent("logs/slurm/\(key.short)-%j.out")
    }

    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
