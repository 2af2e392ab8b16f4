import ArgumentParser
import Cache
import Foundation
import Pipeline
import Synchronization

/// `pipe exec-stage STAGE --job-spec FILE`: what a cluster job runs. Internal: the coordinator
/// (`pipe build --executor slurm`) writes the spec and submits the job.
struct ExecStageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec-stage",
        abstract: "Run one stage of a cluster build on this node (internal: submitted by `pipe build --executor slurm`).",
        discussion: """
            Reads the job spec the coordinator wrote (stage, key, input digests,
            settings, store), builds the same pipeline, and refuses to run if this
            pipe computes another key for the stage (the node's pipe differs from the
            coordinator's). Then runs the stage under the store's key lock and stores
            its outputs and log atomically; if the key's result is already stored it
            exits 0 without running. Log and progress lines go to standard output.
            Exit status 0: the result is stored; 1: it is not.

            With --job-spec-inline (pipe build --job-store), the spec names a
            node-local store and a remote: the job pulls the upstream actions its
            inputs come from (blobs verified), runs the stage with the remote as
            its shared cache (a result already there is not recomputed), and
            pushes the result (blobs first, /ac/ entry last). Exit status 0: the
            result is on the remote.
            """,
        shouldDisplay: false)

    @Argument(help: "The stage's name (as in the spec; shown in squeue's command line).")
    var stage: String

    @Option(name: .long, help: ArgumentHelp("The job spec JSON written by the coordinator.", valueName: "file"))
    var jobSpec: String?

    @Option(name: .long, help: ArgumentHelp("The job spec as base64 JSON (jobs sharing results through a remote).",
                                            valueName: "base64"))
    var jobSpecInline: String?

    func validate() throws {
        if (jobSpec == nil) == (jobSpecInline == nil) {
            throw ValidationError("give exactly one of --job-spec FILE and --job-spec-inline BASE64")
        }
    }

    func run() throws {
        try reportingErrors {
            let spec = try jobSpecInline.map { try JobSpec.decode(inline: $0) }
                ?? JobSpec.read(from: URL(fileURLWithPath: jobSpec!))
            guard spec.stage == stage else {
                throw ValidationError("the job spec is for stage '\(spec.stage)', not '\(stage)'")
            }
            var global = try GlobalOptions.parse([])
            global.store = spec.store
            let session = try Session(global, settings: spec.settings)
            let store = try session.openStore()
            let observer = JobLogObserver()
            // scancel and time limits send SIGTERM (SIGKILL follows after KillWait): stage bodies
            // that check isCancelled stop cleanly and remove their scratch directory.
            let terminated = Atomic<Bool>(false)
            let interrupts = Interrupts(announce: false) { terminated.store(true, ordering: .relaxed) }
            defer { interrupts.stop() }
            // A job store shares results through the remote: credentials come from this node's
            // environment or ~/.netrc, never from the spec.
            // Transfers are reported by the job's own log lines, not a progress line on stderr.
            let cache = try spec.remote.map { location in
                RemoteCache(store: store, remote: try RemoteConfig.open(location: location, attempts: RemoteOptions.attempts),
                            pushesBuilds: true, concurrency: 4)
            }
            let request = try spec.request(in: session.pipeline, store: store, remote: cache, observer: observer,
                                           isCancelled: { terminated.load(ordering: .relaxed) })
            do {
                if let cache { try pullUpstream(request, cache: cache, observer: observer) }
                let record: ActionRecord
                switch try LocalExecutor().produce(request) {
                case let .found(found):
                    observer.say("key \(request.key.short) is already stored: nothing to run")
                    record = found
                case let .ran(ran, seconds):
                    observer.say(String(format: "stored key %@ on %@ in %.2f s", ran.key.short, ran.host, seconds))
                    record = ran
                }
                if let cache {
                    let sent = try cache.push(record)
                    guard try cache.remoteHasResult(key: record.key) else {
                        throw JobStoreError("the remote \(cache.remote.location) has no result of key \(record.key.short) after pushing it")
                    }
                    observer.say("pushed key \(record.key.short) to \(cache.remote.location) (\(sent) bytes of blobs)")
                }
            } catch is CancellationError {
                observer.say("stopped by SIGTERM (scancel or time limit): nothing stored")
                throw ExitCode.failure
            }
        }
    }
}

/// Pulls the upstream actions whose outputs are the inputs of `request` from the remote into
/// the job's store (blobs verified by RemoteCache); an input still missing afterwards fails the job.
private func pullUpstream(_ request: StageRequest, cache: RemoteCache, observer: JobLogObserver) throws {
    for (name, key) in request.upstream.sorted(by: { $0.key < $1.key }) {
        if try request.store.action(for: key) == nil {
            guard try cache.pull(key: key) != nil else {
                throw JobStoreError("the remote \(cache.remote.location) has no complete result of upstream '\(name)' (key \(key.short))")
            }
            observer.say("pulled '\(name)' (key \(key.short)) from \(cache.remote.location)")
        }
    }
    for (input, ref) in request.stage.inputs {
        guard case let .output(upstream, _) = ref, let digest = request.inputs[input] else { continue }
        if !request.store.contains(digest) {
            throw JobStoreError("input '\(input)' (blob \(digest.short) of '\(upstream)') is in no upstream result pulled from \(cache.remote.location)")
        }
    }
}

/// Why a job sharing results through a remote could not.
struct JobStoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Writes a job's log and progress to standard output, in the lines the coordinator replays.
final class JobLogObserver: BuildObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var lastProgress = Date.distantPast

    func say(_ text: String) { write(JobOutput.line(log: text)) }
    func stageLog(_ stage: Stage, _ line: String) { write(JobOutput.line(log: line)) }
    func stageWaiting(_ stage: Stage, key: Digest) { say("waiting for another process computing key \(key.short)") }
    func warning(_ message: String) { say("warning: \(message)") }
    func stageProgress(_ stage: Stage, _ progress: StageProgress) {
        // At most 4 lines a second: the file is on a shared file system.
        let due = lock.withLock { () -> Bool in
            let now = Date()
            if now.timeIntervalSince(lastProgress) < 0.25 && progress.completed < progress.total { return false }
            lastProgress = now
            return true
        }
        if due { write(JobOutput.line(progress: progress)) }
    }

    private func write(_ line: String) {
        lock.withLock { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}
