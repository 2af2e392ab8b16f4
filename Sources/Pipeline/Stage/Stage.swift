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
    /// The code fingerprint, read from the kind on first use (a kind's `code` often merges many
    /// files' digests, and a command needs only its targets' stages).
    public var code: CodeFingerprint { fingerprint.value }
    private let fingerprint: Lazy<CodeFingerprint>
    /// Where a sweep's stage comes from: its name and settings in the pipeline it was defined in
    /// (a cluster job defines that pipeline again to run it); nil for every other stage.
    public let origin: StageOrigin?
    /// The kind's declared cluster resources (not part of the key).
    public let resources: StageResources
    /// Runs the kind's body on decoded parameters.
    public let body: @Sendable (StageContext) throws -> Void
    private let parameters: ResolvedParameters

    /// The parameters are encoded on first use, not here: defining a pipeline defines every
    /// target's stages, and a command that needs one target then pays only for its closure.
    public init<K: StageKind>(name: String, kind: K.Type, params: K.Params,
                              inputs: [String: ArtifactRef], summary: String? = nil) throws {
        try self.init(name: name, kind: kind, params: params, inputs: inputs, summary: summary, codes: KindCodes())
    }

    /// As above, each kind's `code` read once per `codes` (one PipelineBuilder's definition).
    init<K: StageKind>(name: String, kind: K.Type, params: K.Params, inputs: [String: ArtifactRef],
                       summary: String?, codes: KindCodes) throws {
        self.init(name: name, kind: K.name, summary: summary ?? K.summary,
                  parameters: ResolvedParameters(lazy: { ResolvedParameters.canonical(params) },
                                                 value: ParameterValue(params)),
                  inputs: inputs, outputs: K.outputs, metrics: K.metrics, code: Lazy { codes.of(K.self) },
                  resources: K.resources, body: { context in try K.run(params, context) })
    }

    init(name: String, kind: String, summary: String, parameters: ResolvedParameters, inputs: [String: ArtifactRef],
         outputs: [String], metrics: [String] = [], code: Lazy<CodeFingerprint>, resources: StageResources,
         origin: StageOrigin? = nil, body: @escaping @Sendable (StageContext) throws -> Void) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.parameters = parameters
        self.inputs = inputs
        self.upstream = Set(inputs.values.compactMap(\.upstream)).sorted()
        self.outputs = outputs
        self.metrics = metrics
        self.origin = origin
        self.fingerprint = code
        self.resources = resources
        self.body = body
    }

    /// The stages this one waits for, sorted (stored: graph walks ask for it at every step).
    public let upstream: [String]

    /// True when two definitions would compute the same thing (compared without resolving
    /// anything: a command stage's declared form stands for its resolved one).
    func sameDefinition(as other: Stage) -> Bool {
        guard kind == other.kind, inputs == other.inputs, outputs == other.outputs, code == other.code else { return false }
        // Equatable parameters of one type compare as values: a shared stage added again (the
        // teacher every figure needs) is then checked without encoding either side.
        if let equal = parameters.sameValue(as: other.parameters) { return equal }
        return parameters.declared == other.parameters.declared
    }

    /// The declared parameters (a command stage's before anything is resolved).
    var declaredParams: String { parameters.declared }

    /// This stage under another name, reading `inputs` (a sweep's union of several pipelines),
    /// remembering where it was defined.
    func renamed(_ newName: String, inputs newInputs: [String: ArtifactRef], origin: StageOrigin) -> Stage {
        Stage(name: newName, kind: kind, summary: summary, parameters: parameters, inputs: newInputs, outputs: outputs,
              metrics: metrics, code: fingerprint, resources: resources, origin: origin, body: body)
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
    private let declare: (@Sendable () -> String)?
    private let resolve: (@Sendable () -> String)?
    private let lock = NSLock()
    private var declaredText: String?
    private var resolved: String?

    init(_ text: String) {
        declare = nil
        resolve = nil
        typed = nil
        declaredText = text
        resolved = text
    }

    /// The parameters as a value, when they can be compared as one (see `sameValue`).
    private let typed: ParameterValue?

    /// Parameters whose declared and resolved forms are one text, made on first use.
    init(lazy make: @escaping @Sendable () -> String, value: ParameterValue? = nil) {
        declare = make
        resolve = nil
        typed = value
    }

    /// Whether two stages' parameters are equal, when both are Equatable values of one type;
    /// nil when only their texts can tell.
    func sameValue(as other: ResolvedParameters) -> Bool? {
        guard let typed, let theirs = other.typed else { return nil }
        return typed.equals(theirs)
    }

    init(declared: String, resolve: @escaping @Sendable () -> String) {
        declare = nil
        self.resolve = resolve
        typed = nil
        declaredText = declared
    }

    /// The declaration as written (what two definitions of one stage must agree on).
    var declared: String { lock.withLock { declaredLocked() } }

    var value: String {
        lock.withLock {
            if let resolved { return resolved }
            let text = resolve?() ?? declaredLocked()
            resolved = text
            return text
        }
    }

    private func declaredLocked() -> String {
        if let declaredText { return declaredText }
        let text = declare!()
        declaredText = text
        return text
    }

    /// Canonical JSON of a kind's parameters. A non-finite number, which JSON cannot hold, is
    /// written as the string JSONValue.format writes ("NaN", "Infinity"), so encoding never fails.
    static func canonical<P: Encodable>(_ params: P) -> String {
        if let value = try? JSONValueEncoder.encode(params) { return value.canonical }
        if let value = try? JSONValue(encoding: params) { return value.canonical }
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        guard let data = try? encoder.encode(params), let value = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            preconditionFailure("parameters of type \(P.self) cannot be encoded as JSON")
        }
        return value.canonical
    }
}

/// A value made on first use, once, by any thread.
final class Lazy<Value: Sendable>: @unchecked Sendable {
    private let make: @Sendable () -> Value
    private let lock = NSLock()
    private var made: Value?

    init(_ make: @escaping @Sendable () -> Value) { self.make = make }

    var value: Value {
        lock.withLock {
            if let made { return made }
            let value = make()
            made = value
            return value
        }
    }
}


/// A stage's handle in the builder; `handle["weights"]` names one of its outputs as an input.
public struct StageHandle: Sendable, Hashable {
    public let name: String
    public subscript(_ output: String) -> ArtifactRef { .output(stage: name, name: output) }
}

/// A stage's name and settings in the pipeline that defined it, when it now runs under another name.
public struct StageOrigin: Sendable, Equatable {
    public let stage: String
    public let settings: [String: String]
}

/// A name the user builds: one stage whose outputs are copied to results/<target>/.
public struct Target: Sendable {
    public let name: String
    public let stage: String
    public let summary: String
}

/// Each kind's code fingerprint, read once per pipeline definition: a kind's `code` is often a
/// computed property merging many files' digests, and a pipeline has many stages of one kind.
final class KindCodes: @unchecked Sendable {
    private let lock = NSLock()
    private var known: [ObjectIdentifier: CodeFingerprint] = [:]

    func of<K: StageKind>(_ kind: K.Type) -> CodeFingerprint {
        if let code = lock.withLock({ known[ObjectIdentifier(kind)] }) { return code }
        let code = K.code
        lock.withLock { known[ObjectIdentifier(kind)] = code }
        return code
    }
}

/// A kind's parameters kept as a value, comparable to another's when its type is Equatable.
struct ParameterValue: Sendable {
    let equals: @Sendable (ParameterValue) -> Bool
    let value: any Sendable

    /// nil when `params` is not Equatable (then only the canonical texts compare).
    init?<P: Sendable>(_ params: P) {
        guard let equatable = params as? any Equatable else { return nil }
        value = params
        equals = Self.comparing(equatable)
    }

    private static func comparing<E: Equatable>(_ mine: E) -> @Sendable (ParameterValue) -> Bool {
        let box = Unchecked(mine)  // the same value as `params`, which is Sendable
        return { other in (other.value as? E).map { $0 == box.value } ?? false }
    }

    private struct Unchecked<T>: @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }
    }
}
