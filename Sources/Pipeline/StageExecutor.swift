import Foundation

/// Runs one stage body. The build decides what runs and stores results; an executor only runs.
///
/// `LocalExecutor` runs the body in this process. Another executor (a cluster's batch jobs, a
/// worker pool) implements the same call and leaves planning, keys and the store untouched.
public protocol StageExecutor: Sendable {
    func execute(_ stage: Stage, context: StageContext) throws
}

/// Runs stage bodies on the calling thread.
public struct LocalExecutor: StageExecutor {
    public init() {}
    public func execute(_ stage: Stage, context: StageContext) throws {
        try stage.body(context)
    }
}
