import Foundation

/// One stage of a pipeline: a kind, its parameters and its wired inputs, under a unique name.
public struct Stage: Sendable {
    public let name: String
    public let kind: String
    public let summary: String
    /// Canonical JSON of the parameters (part of the key). A command stage resolves part of it
    /// (its programs' digests, its tools' versions) on first use, so listing a pipeline runs nothing.
    public var params: String { parameters.value }
    public let inputs: [String: ArtifactRef]
    /// Output names; one ending in "/" is a directory, stored as one tree archive (TreeArchive).
    public let outputs: [String]
    /// The outputs that are metrics (JSON of named numbers); not part of the key.
    public let metrics: [String]
    public let code: CodeFingerprint
    /// Where a sweep's stage comes from: its name and settings in the pipeline it was defined in
    /// (a cluster job defines that pipeline again to run it); nil for every other stage.
    public let origin: StageOrigin?
    /// The kind's declared cluster resources (not part of the key).
    public let resources: StageResources
    /// Runs the kind's body on decoded parameters.
    public let body: @Sendable (StageContext) throws -> Void
    private let parameters: ResolvedParameters

    public init<K: StageKind>(name: String, kind: K.Type, params: K.Params,
                              inputs: [String: ArtifactRef], summary: String? = nil) throws {
        let text: String
        do {
            text = try JSONValue(encoding: params).canonical
        } catch {
            throw PipelineError.badParameters(stage: name, reason: "\(error)")
        }
        self.init(name: name, kind: K.name, summary: summary ?? K.summary, parameters: ResolvedParameters(text),
                  inputs: inputs, outputs: K.outputs, metrics: K.metrics, code: K.code, resources: K.resources,
                  body: { context in try K.run(params, context) })
    }

    init(name: String, kind: String, summary: String, parameters: ResolvedParameters, inputs: [String: ArtifactRef],
         outputs: [String], metrics: [String] = [], code: CodeFingerprint, resources: StageResources,
         origin: StageOrigin? = nil, body: @escaping @Sendable (StageContext) throws -> Void) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.parameters = parameters
        self.inputs = inputs
        self.outputs = outputs
        self.metrics = metrics
        self.origin = origin
        self.code = code
        self.resources = resources
        self.body = body
    }

    /// The stages this one waits for, sorted.
    public var upstream: [String] { Set(inputs.values.compactMap(\.upstream)).sorted() }

    /// True when two definitions would compute the same thing (compared without resolving
    /// anything: a command stage's declared form stands for its resolved one).
    func sameDefinition(as other: Stage) -> Bool {
        kind == other.kind && parameters.declared == other.parameters.declared && inputs == other.inputs
            && code == other.code && outputs == other.outputs
    }

    /// The declared parameters (a command stage's before anything is resolved).
    var declaredParams: String { parameters.declared }

    /// This stage under another name, reading `inputs` (a sweep's union of several pipelines),
    /// remembering where it was defined.
    func renamed(_ newName: String, inputs newInputs: [String: ArtifactRef], origin: StageOrigin) -> Stage {
        Stage(name: newName, kind: kind, summary: summary, parameters: parameters, inputs: newInputs, outputs: outputs,
              metrics: metrics, code: code, resources: resources, origin: origin, body: body)
    }

    /// A command stage's argv[0], for its reasons ("" for other kinds).
    var commandProgram: String {
        guard case let .object(members)? = try? JSONValue(parsing: parameters.declared),
              case let .array(argv)? = members["argv"], case let .string(first)? = argv.first else { return "" }
        return first
    }

    /// Whether output `name` is a directory (declared with a trailing "/").
    public static func isDirectory(output name: String) -> Bool { name.hasSuffix("/") }
}

/// A stage's parameters as canonical JSON: known when declared, or resolved once on first use.
final class ResolvedParameters: @unchecked Sendable {
    /// The declaration as written (what two definitions of one stage must agree on).
    let declared: String
    private let resolve: (@Sendable () -> String)?
    private let lock = NSLock()
    private var resolved: String?

    init(_ text: String) {
        declared = text
        resolve = nil
        resolved = text
    }

    init(declared: String, resolve: @escaping @Sendable () -> String) {
        self.declared = declared
        self.resolve = resolve
    }

    var value: String {
        lock.withLock {
            if let resolved { return resolved }
            let text = resolve!()
            resolved = text
            return text
        }
    }
}

/// A stage's handle in the builder; `handle["weights"]` names one of its outputs as an input.
public struct StageHandle: Sendable, Hashable {
    public let name: String
    public subscript(_ output: String) -> ArtifactRef { .output(stage: name, name: output) }
}

/// A name the user builds: one stage whose outputs are copied to results/<target>/.
/// A stage's name and settings in the pipeline that defined it, when it now runs under another name.
public struct StageOrigin: Sendable, Equatable {
    public let stage: String
    public let settings: [String: String]
}

public struct Target: Sendable {
    public let name: String
    public let stage: String
    public let summary: String
}
