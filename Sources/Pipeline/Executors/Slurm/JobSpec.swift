import Cache
import Foundation

/// What a cluster job must build: written by the coordinator into the shared store
/// (`<store>/jobs/<key>.json`) before it submits, read by `pipe exec-stage` on the node. When
/// jobs share results through a remote instead (`--job-store`), the spec travels with the job,
/// base64 on its command line (`inline`), and names the remote and the upstream actions to pull.
///
/// The job rebuilds the pipeline with `settings` and recomputes the stage's key from `inputs`;
/// a different key means the node's pipe (its code or pipeline) is not the coordinator's, and
/// the job refuses to run rather than store a result under a key that does not describe it.
public struct JobSpec: Codable, Sendable, Equatable {
    public var stage: String
    /// Hex of the stage key the coordinator computed.
    public var key: String
    /// Input name -> digest hex.
    public var inputs: [String: String]
    /// The `--set` overrides the coordinator's pipeline was built with.
    public var settings: [String: String]
    public var forced: Bool
    /// The store directory, as the nodes see it (a shared file system, or the node-local job store).
    public var store: String
    public var pipeVersion: String
    /// The remote cache the job pulls its inputs from and pushes its result to (a URL or a
    /// directory path, never credentials: the job finds those like any pipe); nil: `store` is shared.
    public var remote: String?
    /// Upstream stage name -> key hex of the action whose outputs are this stage's inputs.
    public var upstream: [String: String]?

    /// A sweep's stage is named and set up as in the pipeline it was defined in (`StageOrigin`).
    public init(_ request: StageRequest, settings: [String: String]) {
        stage = request.stage.origin?.stage ?? request.stage.name
        key = request.key.hex
        inputs = request.inputs.mapValues(\.hex)
        self.settings = request.stage.origin?.settings ?? settings
        forced = request.forced
        store = request.store.root.path
        pipeVersion = PipeVersion.current
    }

    /// The spec of a job that shares results through `remote`, storing into the node-local `jobStore`.
    public init(_ request: StageRequest, settings: [String: String], jobStore: String, remote: String) {
        self.init(request, settings: settings)
        store = jobStore
        self.remote = remote
        upstream = request.upstream.mapValues(\.hex)
    }

    /// The spec as one command-line word: base64 of its JSON.
    public var inline: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ((try? encoder.encode(self)) ?? Data()).base64EncodedString()
    }

    public static func decode(inline text: String) throws -> JobSpec {
        guard let data = Data(base64Encoded: text) else {
            throw JobSpecError.unreadable(path: "--job-spec-inline", reason: "not base64")
        }
        do { return try JSONDecoder().decode(JobSpec.self, from: data) } catch {
            throw JobSpecError.unreadable(path: "--job-spec-inline", reason: "\(error)")
        }
    }

    /// Where the coordinator writes the spec of `key`.
    public static func url(store: ArtifactStore, key: Digest) -> URL {
        store.root.appendingPathComponent("jobs/\(key.hex).json")
    }

    /// Writes atomically (a job never reads half a spec), creating `jobs/`.
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    public static func read(from url: URL) throws -> JobSpec {
        do {
            return try JSONDecoder().decode(JobSpec.self, from: Data(contentsOf: url))
        } catch {
            throw JobSpecError.unreadable(path: url.path, reason: "\(error)")
        }
    }

    /// The request this spec describes in `pipeline`, after checking that this pipe computes the
    /// coordinator's key.
    public func request(in pipeline: PipelineDefinition, store: ArtifactStore, remote: RemoteResults? = nil,
                        observer: BuildObserver?, isCancelled: @escaping @Sendable () -> Bool) throws -> StageRequest {
        guard let stage = pipeline.stage(named: self.stage) else { throw JobSpecError.unknownStage(self.stage) }
        var digests: [String: Digest] = [:]
        for (name, hex) in inputs {
            guard let digest = Digest(hex: hex) else { throw JobSpecError.malformed("input '\(name)' digest \(hex)") }
            digests[name] = digest
        }
        guard let expected = Digest(hex: key) else { throw JobSpecError.malformed("key \(key)") }
        guard Set(digests.keys) == Set(stage.inputs.keys) else {
            throw JobSpecError.keyMismatch(stage: self.stage, expected: key, computed: "inputs "
                + digests.keys.sorted().joined(separator: ",") + " vs " + stage.inputs.keys.sorted().joined(separator: ","))
        }
        let computed = StageKey.compute(stage, inputs: digests)
        guard computed == expected else {
            throw JobSpecError.keyMismatch(stage: self.stage, expected: key, computed: computed.hex)
        }
        var upstreamKeys: [String: Digest] = [:]
        for (name, hex) in upstream ?? [:] {
            guard let digest = Digest(hex: hex) else { throw JobSpecError.malformed("upstream '\(name)' key \(hex)") }
            upstreamKeys[name] = digest
        }
        return StageRequest(stage: stage, key: computed, inputs: digests, forced: forced, store: store, remote: remote,
                            upstream: upstreamKeys, observer: observer, isCancelled: isCancelled)
    }
}

/// Why `pipe exec-stage` refused a job spec.
public enum JobSpecError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(String)
    case unknownStage(String)
    case keyMismatch(stage: String, expected: String, computed: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "job spec \(path) cannot be read: \(reason) (is the store on a file system the nodes share?)"
        case let .malformed(what):
            return "job spec is malformed: \(what)"
        case let .unknownStage(name):
            return "this pipe has no stage '\(name)': pipe on the node differs from the coordinator's; rebuild/redeploy it"
        case let .keyMismatch(stage, expected, computed):
            return "stage '\(stage)': the coordinator's key is \(expected.prefix(12)) but this pipe computes \(computed.prefix(12)): "
                + "pipe on the node differs from the coordinator's; rebuild/redeploy it"
        }
    }
}
