import Cache
import Foundation

/// Forgets stored results so the next build runs them again.
public enum Invalidation {
    /// Forgets the current result of `stage` and, with `downstream`, of every stage after it
    /// (needed because early cutoff would otherwise keep them: a rerun that reproduces the same
    /// bytes gives them the same keys). Returns the names of the stages forgotten.
    public static func invalidate(_ name: String, downstream: Bool, pipeline: PipelineDefinition,
                                  store: ArtifactStore) throws -> [String] {
        guard let stage = pipeline.stage(named: name) else {
            throw PipelineError.unknownStage(name, suggestions: Suggest.closest(to: name, in: pipeline.stages.map(\.name)))
        }
        var names = [stage.name]
        if downstream { names += pipeline.downstream(of: stage.name).map(\.name) }
        let plan = try Planner.plan(pipeline, targets: names, index: store)
        var forgotten: [String] = []
        for step in plan.steps where names.contains(step.stage.name) {
            guard case .cached = step.decision, let key = step.key else { continue }
            try store.forget(key: key)
            forgotten.append(step.stage.name)
        }
        return forgotten
    }
}
