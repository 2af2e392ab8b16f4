import Foundation

/// Builds a pipeline: settings are read from `config`, stages and targets are added in any order.
///
/// Adding a stage under a name that already exists with the same definition returns the existing
/// handle, so experiments can share stages (the 5-epoch teacher) by calling the same helper.
///
/// A target declared with a closure (`target(_:summary:define:)`) is defined only when the command
/// needs it: `pipe build figure-exp2` then builds, encodes and keys only that target's stages, not
/// every experiment's (like ninja, which loads one build graph but reads only what it needs).
public final class PipelineBuilder {
    public let config: Config
    private var stages: [String: Stage] = [:]
    private var order: [String] = []
    private var targets: [Target] = []
    private var problems: [PipelineError] = []
    private let codes = KindCodes()
    /// The names a command asked for; nil when it needs every target.
    private let requested: Set<String>?
    /// Targets declared with a closure and not defined (yet): the command has not asked for them.
    private var deferred: [(name: String, summary: String, define: () throws -> StageHandle)] = []

    /// `requested`: the targets (or stages) the command needs, nil for all of them. Targets declared
    /// with a closure and not among them are defined only if finishing needs them (a name that is no
    /// declared target may be a stage inside one; an override nobody read may be theirs).
    public init(config: Config = Config(), requested: [String]? = nil) {
        self.config = config
        self.requested = requested.map(Set.init)
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
        if isDeclared(name) {
            problems.append(.duplicateTarget(name))
            return
        }
        targets.append(Target(name: name, stage: stage.name, summary: summary))
    }

    /// Declares `name` as a target built by the stage `define` adds, and runs `define` only if the
    /// command needs this target (see the type's note). `define` may add stages other targets add
    /// too (the same definition under the same name is one stage) and read settings.
    public func target(_ name: String, summary: String, define: @escaping () throws -> StageHandle) throws {
        if let requested, !requested.contains(name) {
            if isDeclared(name) { problems.append(.duplicateTarget(name)) } else { deferred.append((name, summary, define)) }
            return
        }
        target(name, try define(), summary: summary)
    }

    private func isDeclared(_ name: String) -> Bool {
        targets.contains { $0.name == name } || deferred.contains { $0.name == name }
    }

    /// The finished pipeline; throws the first problem in its definition, before anything runs.
    public func finish() throws -> PipelineDefinition {
        // A requested name that is no target may be a stage of a deferred one (or a typo, whose
        // suggestions should list everything); an override nobody read may be a deferred target's setting.
        if let requested, !deferred.isEmpty,
           !requested.isSubset(of: targets.map(\.name)) || !config.unusedOverrides.isEmpty {
            let pending = deferred
            deferred = []
            for target in pending { self.target(target.name, try target.define(), summary: target.summary) }
        }
        if let problem = problems.first { throw problem }
        try config.checkAllOverridesUsed()
        // Deferred targets left undefined are not in it: the command asked only for defined ones.
        return try PipelineDefinition(stages: order.map { stages[$0]! }, targets: targets, settings: config.entries)
    }
}
