import Cache
import Foundation

/// Receives what a build does, as it happens (the live display, logs, tests).
///
/// Called from the build's worker threads; implementations synchronize themselves.
public protocol BuildObserver: AnyObject, Sendable {
    func buildStarted(stages: Int, toRun: Int)
    func stageCached(_ stage: Stage, key: Digest)
    func stageWaiting(_ stage: Stage, key: Digest)
    func stageStarted(_ stage: Stage, key: Digest)
    /// A cluster job of the stage was submitted or adopted, or its queue state changed (PENDING
    /// with the scheduler's reason); `stageStarted` follows when it runs.
    func stageQueued(_ stage: Stage, key: Digest, job: String, state: String, reason: String)
    func stageProgress(_ stage: Stage, _ progress: StageProgress)
    func stageLog(_ stage: Stage, _ line: String)
    func stageFinished(_ stage: Stage, key: Digest, seconds: Double)
    func stageFailed(_ stage: Stage, error: Error)
    func stageSkipped(_ stage: Stage, because upstream: String)
    func warning(_ message: String)
}

extension BuildObserver {
    public func buildStarted(stages: Int, toRun: Int) {}
    public func stageCached(_ stage: Stage, key: Digest) {}
    public func stageWaiting(_ stage: Stage, key: Digest) {}
    public func stageStarted(_ stage: Stage, key: Digest) {}
    public func stageQueued(_ stage: Stage, key: Digest, job: String, state: String, reason: String) {}
    public func stageProgress(_ stage: Stage, _ progress: StageProgress) {}
    public func stageLog(_ stage: Stage, _ line: String) {}
    public func stageFinished(_ stage: Stage, key: Digest, seconds: Double) {}
    public func stageFailed(_ stage: Stage, error: Error) {}
    public func stageSkipped(_ stage: Stage, because upstream: String) {}
    public func warning(_ message: String) {}
}
