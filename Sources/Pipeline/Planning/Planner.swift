import Cache
import Foundation

/// Decides, for every stage a build needs, whether its result is stored and if not why.
///
/// Pure over its arguments: the pipeline, the requested names and what the index answers. It
/// runs nothing and writes nothing, so tests can plan against a fake index.
public enum Planner {
    public static func plan(_ pipeline: PipelineDefinition, targets: [String], index: ResultIndex,
                            force: Set<String> = []) throws -> Plan {
        let stages = try pipeline.closure(of: targets.map { try pipeline.resolve($0).name })
        let heads = try index.heads()
        var known: [String: [String: Digest]] = [:]  // stage -> output digests, when cached
        var steps: [Plan.Step] = []
        for stage in stages {
            var inputs: [String: Digest] = [:]
            var waiting: [String] = []
            for (name, ref) in stage.inputs {
                switch ref {
                case let .output(upstream, output):
                    if let digest = known[upstream]?[output] { inputs[name] = digest } else { waiting.append(upstream) }
                case let .file(path):
                    inputs[name] = try fileDigest(path, stage: stage, input: name, index: index)
                }
            }
            let key = waiting.isEmpty ? StageKey.compute(stage, inputs: inputs) : nil
            if let key, !force.contains(stage.name), let action = try index.action(for: key) {
                known[stage.name] = action.outputs
                steps.append(.init(stage: stage, key: key, decision: .cached(action)))
                continue
            }
            let forced = force.contains(stage.name)
            var reasons: [StaleReason] = forced ? [.forced] : []
            if !waiting.isEmpty { reasons.append(.waitsFor(Array(Set(waiting)).sorted())) }
            if let key, heads[stage.name] == key {
                // This exact key was the stage's last result, and it is gone.
                if !forced { reasons.append(.resultLost) }
            } else if let previous = try index.lastAction(ofStage: stage.name) {
                let differences = StaleReason.differences(stage: stage, inputs: key == nil ? nil : inputs,
                                                          previous: previous)
                reasons += differences
                if reasons.isEmpty { reasons.append(key == previous.key ? .resultLost : .neverBuilt) }
            } else if !forced {
                reasons.insert(.neverBuilt, at: 0)
            }
            steps.append(.init(stage: stage, key: key, decision: .run(reasons)))
        }
        return Plan(steps: steps, heads: heads)
    }

    static func fileDigest(_ path: String, stage: Stage, input: String, index: ResultIndex) throws -> Digest {
        do {
            return try index.contentDigest(at: URL(fileURLWithPath: path))
        } catch {
            throw BuildError.inputFileUnreadable(stage: stage.name, input: input, path: path, reason: "\(error)")
        }
    }
}
