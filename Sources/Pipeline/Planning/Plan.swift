import Cache
import Foundation

/// What a build would do, stage by stage, and why; made by Planner without running anything.
public struct Plan: Sendable {
    /// One stage of the plan.
    public struct Step: Sendable {
        public let stage: Stage
        /// Known when every input's digest is known now (it is not when an upstream must run).
        public let key: Digest?
        public let decision: Decision
    }

    /// Cached (with its stored result) or to run (with the reasons).
    public enum Decision: Sendable {
        case cached(ActionRecord)
        case run([StaleReason])

        public var isCached: Bool { if case .cached = self { return true } else { return false } }
    }

    /// Dependencies first.
    public let steps: [Step]
    /// The key each stage instance was last built or confirmed at, as the index answered when planning
    /// (the build compares results to them without asking the index again).
    public let heads: [String: Digest]

    public var toRun: [Step] { steps.filter { !$0.decision.isCached } }
    public func step(_ name: String) -> Step? { steps.first { $0.stage.name == name } }
}
