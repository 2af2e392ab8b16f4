import Foundation

/// Builds a pipeline: settings are read from `config`, stages and targets are added in any order.
///
/// Adding a stage under a name that already exists with the same definition returns the existing
/// handle, so experiments can share stages (the 5-epoch teacher) by calling the same helper.
public final class PipelineBuilder {
    public let config: Config
    private var stages: [String: Stage] = [:]
    private var order: [String] = []
    private var targets: [Target] = []
    private var problems: [PipelineError] = []
    private let codes = KindCodes()

    public init(config: Config = Config()) {
        self.config = config
    }

    /// Adds (or reuses) a stage of kind `kind`.
    @discardableResult
    public func stage<K: StageKind>(_ name: String, _ kind: K.Type, _ params: K.Params,
                                    inputs: [String: ArtifactRef] = [:], summary: String? = nil) -> StageHandle {
        add(name) { try Stage(name: name, kind: kind, params: params, inputs: inputs, summary: summary, codes: codes) }
    }

    /// Adds the stage `make` defines, or keeps the one already under `name` if it is the same.
    func add(_ name: String, _ make: () throws -> Stage) -> StageHandle {
        do {
            let stage = try make()
            if let existing = stages[name] {
                if !existing.sameDefinition(as: stage) { problems.append(.duplicateStage(name)) }
            } else {
                stages[name] = stage
                order.append(name)
            }
        } catch let error as PipelineError {
            problems.append(error)
        } catch {
            problems.append(.badParameters(stage: name, reason: "\(error)"))
        }
        return StageHandle(name: name)
    }

    /// Declares `name` as a target built by `stage`.
    public func target(_ name: String, _ stage: StageHandle, summary: String) {
        if targets.contains(where: { $0.name == name }) {
            problems.append(.duplicateTarget(name))
            return
        }
        targets.append(Target(name: name, stage: stage.name, summary: summary))
    }

    /// The finished pipeline; throws the first problem in its definition, before anything runs.
    public func finish() throws -> PipelineDefinition {
        if let problem = problems.first { throw problem }
        try config.checkAllOverridesUsed()
        return try PipelineDefinition(stages: order.map { stages[$0]! }, targets: targets, settings: config.entries)
    }
}
