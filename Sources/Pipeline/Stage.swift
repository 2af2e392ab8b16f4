import Foundation

/// One stage of a pipeline: a kind, its parameters and its wired inputs, under a unique name.
public struct Stage: Sendable {
    public let name: String
    public let kind: String
    public let summary: String
    /// Canonical JSON of the parameters (part of the key).
    public let params: String
    public let inputs: [String: ArtifactRef]
    public let outputs: [String]
    public let code: CodeFingerprint
    /// The kind's declared cluster resources (not part of the key).
    public let resources: StageResources
    /// Runs the kind's body on decoded parameters.
    public let body: @Sendable (StageContext) throws -> Void

    public init<K: StageKind>(name: String, kind: K.Type, params: K.Params,
                              inputs: [String: ArtifactRef], summary: String? = nil) throws {
        self.name = name
        self.kind = K.name
        self.summary = summary ?? K.summary
        do {
            self.params = try JSONValue(encoding: params).canonical
        } catch {
            throw PipelineError.badParameters(stage: name, reason: "\(error)")
        }
        self.inputs = inputs
        self.outputs = K.outputs
        self.code = K.code
        self.resources = K.resources
        self.body = { context in try K.run(params, context) }
    }

    /// The stages this one waits for, sorted.
    public var upstream: [String] { Set(inputs.values.compactMap(\.upstream)).sorted() }

    /// True when two definitions would compute the same thing.
    func sameDefinition(as other: Stage) -> Bool {
        kind == other.kind && params == other.params && inputs == other.inputs && code == other.code
    }
}

/// A stage's handle in the builder; `handle["weights"]` names one of its outputs as an input.
public struct StageHandle: Sendable, Hashable {
    public let name: String
    public subscript(_ output: String) -> ArtifactRef { .output(stage: name, name: output) }
}

/// A name the user builds: one stage whose outputs are copied to results/<target>/.
public struct Target: Sendable {
    public let name: String
    public let stage: String
    public let summary: String
}
