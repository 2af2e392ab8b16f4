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
            """,
        shouldDisplay: false)

    @Argument(help: "The stage's name (as in the spec; shown in squeue's command line).")
    var stage: String

    @Option(name: .long, help: ArgumentHelp("The job spec JSON written by the coordinator.", valueName: "file"))
    var jobSpec: String

    func run() throws {
        try reportingErrors {
            let spec = try JobSpec.read(from: URL(fileURLWithPath: jobSpec))
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
            let request = try spec.request(in: session.pipeline, store: store, observer: observer,
                                           isCancelled: { terminated.load(ordering: .relaxed) })
            do {
                switch try LocalExecutor().produce(request) {
                case .found:
                    observer.say("key \(request.key.short) is already stored: nothing to run")
                case let .ran(record, seconds):
                    observer.say(String(format: "stored key %@ on %@ in %.2f s", record.key.short, record.host, seconds))
                }
            } catch is CancellationError {
                observer.say("stopped by SIGTERM (scancel or time limit): nothing stored")
                throw ExitCode.failure
            }
        }
    }
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
