import Cache
import Foundation

/// Why a build, or one of its stages, did not finish; each says where and what to do.
public enum BuildError: Error, CustomStringConvertible, Sendable {
    /// `kept`: where the stage's working directory was kept (FailedDirectories), if it has one.
    case stageFailed(stage: String, key: Digest, log: String, message: String, kept: String? = nil)
    case missingOutputs(stage: String, missing: [String])
    case undeclaredOutputs(stage: String, extra: [String])
    case inputFileUnreadable(stage: String, input: String, path: String, reason: String)
    case skipped(stage: String, because: String)
    case cancelled
    case corruptResult(stage: String, key: Digest, detail: String)
    /// Anything but the stage body failed around a stage (the store, a full disk, a lock).
    case aroundStage(stage: String, message: String)
    /// A cluster job of the stage ended without storing its result: `state` is the scheduler's
    /// (CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, FAILED), `advice` what to do about it.
    case jobFailed(stage: String, key: Digest, engine: String, job: String, state: String, advice: String,
                   log: String, tail: [String])
    /// The cluster refused or could not take a job (a submit command failed).
    case submitFailed(stage: String, key: Digest, engine: String, message: String)
    /// The cluster's clients kept failing (or did not answer) while a job of the stage was
    /// watched, for longer than the executor waits; `message` names the command, what it said
    /// and what to check.
    case clusterUnreachable(stage: String, key: Digest, engine: String, job: String, message: String)

    public var description: String {
        switch self {
        case let .stageFailed(stage, key, log, message, kept):
            return "stage '\(stage)' failed (key \(key.short)): \(message)\n  log: \(log)"
                + (kept.map { "\n  its directory, as the command left it: \($0)" } ?? "")
        case let .aroundStage(stage, message):
            return "stage '\(stage)' could not be stored or loaded: \(message)"
        case let .jobFailed(stage, key, engine, job, state, advice, log, tail):
            var text = "stage '\(stage)' (key \(key.short)): \(engine) job \(job) ended \(state); \(advice)\n  log: \(log)"
            if !tail.isEmpty { text += "\n  last lines:\n" + tail.map { "    | \($0)" }.joined(separator: "\n") }
            return text
        case let .submitFailed(stage, key, engine, message):
            return "stage '\(stage)' (key \(key.short)): could not submit a \(engine) job: \(message)"
        case let .clusterUnreachable(stage, key, engine, job, message):
            return "stage '\(stage)' (key \(key.short)): lost contact with \(engine) while waiting for job \(job): \(message)"
        case let .missingOutputs(stage, missing):
            return "stage '\(stage)' finished without writing its outputs: " + missing.joined(separator: ", ")
        case let .undeclaredOutputs(stage, extra):
            return "stage '\(stage)' wrote outputs its kind does not declare: " + extra.joined(separator: ", ")
        case let .inputFileUnreadable(stage, input, path, reason):
            return "stage '\(stage)': input '\(input)' reads \(path), which cannot be read: \(reason)"
        case let .skipped(stage, because):
            return "stage '\(stage)' skipped: \(because) failed"
        case .cancelled:
            return "build cancelled; finished stages are kept in the store"
        case let .corruptResult(stage, key, detail):
            return "stage '\(stage)' (key \(key.short)): stored result is corrupt: \(detail)"
        }
    }
}
