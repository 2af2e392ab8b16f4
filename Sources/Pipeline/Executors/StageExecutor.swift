import Cache
import Foundation

/// Produces the stored result of one stage under one key: runs it here (`LocalExecutor`), as a
/// cluster batch job (`SlurmExecutor`), or finds that someone else already did.
///
/// The Builder owns everything that decides *what* runs: the plan, keys computed from the
/// inputs' actual digests (early cutoff), the store lookup before a stage is handed over, heads,
/// pushes to a remote, and the build's report. An executor only turns a miss into a stored
/// `ActionRecord` and says whether it ran the body or found the result stored meanwhile.
///
/// Adding another engine (Kubernetes Jobs, Ray tasks) means one more type conforming here,
/// nothing in the planner or the Builder:
/// - write `JobSpec(request, settings:)` where the worker can read it (the shared store), or,
///   when workers share only the remote, pass `JobSpec(request, settings:, jobStore:, remote:)`
///   with the job (`--job-spec-inline`) and read the result back with `request.storedResult()`,
/// - start a worker that runs `pipe exec-stage STAGE --job-spec FILE` (it checks the key, takes
///   the store's key lock and runs `LocalExecutor`, so outputs are published atomically),
/// - wait for the engine's verdict, forward log lines with `JobOutput`, and on success read the
///   record with `request.store.action(for: request.key)`, never from the worker's own files;
///   on failure throw `BuildError.jobFailed` with the engine's job id and state.
/// `produce` is called on a Builder worker thread and may block until the result exists; it
/// must return or throw soon after `request.isCancelled` turns true (cancelling its job).
public protocol StageExecutor: Sendable {
    func produce(_ request: StageRequest) throws -> Produced
}

/// What an executor returns.
public enum Produced: Sendable {
    /// The body ran (here or in a job this executor started or adopted) and stored this record.
    case ran(ActionRecord, seconds: Double)
    /// Another process (a build, a job) stored the result first; nothing ran for this build.
    case found(ActionRecord)
}

/// One stage to produce: its key (computed by the Builder from its inputs' digests), the inputs,
/// and the build's store, remote, observer and cancellation.
public struct StageRequest: Sendable {
    public let stage: Stage
    public let key: Digest
    /// Input name -> digest of the artifact wired to it (a blob, or a file's digest).
    public let inputs: [String: Digest]
    /// Run even if the key's result is stored (`--force`).
    public let forced: Bool
    public let store: ArtifactStore
    public let remote: RemoteResults?
    /// Upstream stage name -> key of the action whose outputs are wired to this stage's inputs
    /// (what a job that shares results through the remote pulls before it runs).
    public let upstream: [String: Digest]
    public let observer: BuildObserver?
    public let isCancelled: @Sendable () -> Bool
    /// Outputs this build stored, in memory: an executor running the stage in this process reads
    /// its inputs from here when it can, and keeps what it stores here.
    public let recent: RecentOutputs?

    public init(stage: Stage, key: Digest, inputs: [String: Digest], forced: Bool, store: ArtifactStore,
                remote: RemoteResults? = nil, upstream: [String: Digest] = [:], observer: BuildObserver? = nil,
                recent: RecentOutputs? = nil, isCancelled: @escaping @Sendable () -> Bool = { false }) {
        self.stage = stage
        self.key = key
        self.inputs = inputs
        self.forced = forced
        self.store = store
        self.remote = remote
        self.upstream = upstream
        self.observer = observer
        self.recent = recent
        self.isCancelled = isCancelled
    }

    /// The result if the store has it now, or the remote does (then copied into the store);
    /// nil for a forced stage. Executors call it under their lock, after waiting for it.
    public func storedResult() throws -> ActionRecord? {
        if forced { return nil }
        if let action = try store.action(for: key) { return action }
        guard let remote else { return nil }
        do {
            return try remote.fetch(key: key)
        } catch {
            observer?.warning("remote result of '\(stage.name)' unusable, running it: \(error)")
            return nil
        }
    }
}
