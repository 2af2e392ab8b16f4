/// How a build runs.
public struct BuildOptions: Sendable {
    /// Stages that run at once. ML stages use both cores through OpenBLAS, so 1 is the default.
    public var jobs: Int = 1
    /// After a failure, go on with every stage that does not depend on it.
    public var keepGoing: Bool = false
    /// Stage names to rerun even when their result is stored.
    public var force: Set<String> = []
    /// A shared cache to read results from on a local miss (and write built ones to).
    public var remote: RemoteResults?

    public init(jobs: Int = 1, keepGoing: Bool = false, force: Set<String> = [], remote: RemoteResults? = nil) {
        self.jobs = max(1, jobs)
        self.keepGoing = keepGoing
        self.force = force
        self.remote = remote
    }
}

/// What became of each stage of a build.
public struct BuildReport: Sendable {
    public enum Outcome: Sendable {
        case cached
        case ran(seconds: Double)
        case failed(String)
        case skipped(because: String)
        case notStarted
    }
    /// Stage name -> outcome, for every stage the build needed.
    public var outcomes: [String: Outcome] = [:]
    /// Stage name -> its result, for every stage that is now stored.
    public var results: [String: ActionRecordRef] = [:]
    /// The errors, in the order they happened.
    public var errors: [BuildError] = []
    public var cancelled = false

    public var succeeded: Bool { errors.isEmpty && !cancelled }
    public var ranCount: Int { outcomes.values.filter { if case .ran = $0 { true } else { false } }.count }
    public var cachedCount: Int { outcomes.values.filter { if case .cached = $0 { true } else { false } }.count }
}
