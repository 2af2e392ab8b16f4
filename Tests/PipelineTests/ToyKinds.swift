import Cache
import Foundation
import Testing
@testable import Pipeline

/// Toy stage kinds: no ML, instant, with knobs for every engine behaviour a test needs.

/// Code "versions" tests can edit, standing in for a source file's digest.
final class ToyCode: @unchecked Sendable {
    static let shared = ToyCode()
    private let lock = NSLock()
    private var digests: [String: String] = [:]
    func digest(_ kind: String) -> String { lock.withLock { digests[kind] ?? "v1" } }
    func set(_ kind: String, _ digest: String) { lock.withLock { digests[kind] = digest } }
    func reset() { lock.withLock { digests = [:] } }
}

/// Writes `text` repeated `times`.
struct Emit: StageKind {
    struct Params: Codable, Sendable { var text: String; var times: Int = 1 }
    static let name = "emit"
    static let summary = "writes a text"
    static let code = CodeFingerprint(files: ["Toy/Emit.swift": "v1"])
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        context.log("emitting \(params.text) x\(params.times)")
        context.write("out", Data(String(repeating: params.text, count: params.times).utf8))
    }
}

/// Writes "even" or "odd" by its input's length: many inputs, few outputs (early cutoff).
struct Parity: StageKind {
    struct Params: Codable, Sendable {}
    static let name = "parity"
    static let summary = "even or odd length"
    static let code = CodeFingerprint(files: ["Toy/Parity.swift": "v1"])
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        context.write("out", Data((try context.input("in").count % 2 == 0 ? "even" : "odd").utf8))
    }
}

/// Joins its inputs in name order.
struct Join: StageKind {
    struct Params: Codable, Sendable { var separator = "+" }
    static let name = "join"
    static let summary = "joins inputs"
    static let code = CodeFingerprint(files: ["Toy/Join.swift": "v1"])
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        let parts = try context.inputNames.map { String(decoding: try context.input($0), as: UTF8.self) }
        context.write("out", Data(parts.joined(separator: params.separator).utf8))
    }
}

/// Two kinds whose code digest a test can change, like editing their source files.
struct VersionedA: StageKind {
    struct Params: Codable, Sendable {}
    static let name = "versioned-a"
    static let summary = "code can change"
    static var code: CodeFingerprint { CodeFingerprint(files: ["Toy/VersionedA.swift": ToyCode.shared.digest(name)]) }
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        // A refactor: new code, same bytes out.
        context.write("out", Data("a".utf8))
    }
}

struct VersionedB: StageKind {
    struct Params: Codable, Sendable {}
    static let name = "versioned-b"
    static let summary = "code can change"
    static var code: CodeFingerprint { CodeFingerprint(files: ["Toy/VersionedB.swift": ToyCode.shared.digest(name)]) }
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        context.write("out", Data("b:\(try context.input("in").count)".utf8))
    }
}

/// Always throws.
struct Explode: StageKind {
    struct Params: Codable, Sendable { var message = "boom" }
    static let name = "explode"
    static let summary = "fails"
    static let code = CodeFingerprint(files: ["Toy/Explode.swift": "v1"])
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        context.log("about to fail")
        throw StageError.failed(params.message)
    }
}

/// Declares an output and forgets to write it.
struct Forgetful: StageKind {
    struct Params: Codable, Sendable {}
    static let name = "forgetful"
    static let summary = "writes nothing"
    static let code = CodeFingerprint(files: ["Toy/Forgetful.swift": "v1"])
    static let outputs = ["out", "other"]
    static func run(_ params: Params, _ context: StageContext) throws {
        context.write("out", Data("x".utf8))
    }
}

/// Records which stages started, in order.
final class RecordingObserver: BuildObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var _started: [String] = []
    private var _cached: [String] = []
    private var _warnings: [String] = []
    var started: [String] { lock.withLock { _started } }
    var cached: [String] { lock.withLock { _cached } }
    var warnings: [String] { lock.withLock { _warnings } }
    func stageStarted(_ stage: Stage, key: Digest) { lock.withLock { _started.append(stage.name) } }
    func stageCached(_ stage: Stage, key: Digest) { lock.withLock { _cached.append(stage.name) } }
    func warning(_ message: String) { lock.withLock { _warnings.append(message) } }
}

/// A fresh store in a temporary directory, and helpers to build pipelines in it.
final class Workspace {
    let root: URL
    let store: ArtifactStore

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        store = try ArtifactStore(root: root.appendingPathComponent("store"))
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Flips the last byte of blob `digest`'s file, as a bad disk would.
    func damageBlob(_ digest: Digest) throws {
        let blob = try #require(FileManager.default.enumerator(atPath: store.root.path)?
            .compactMap { $0 as? String }.first { $0.contains(digest.hex) })
        let url = store.root.appendingPathComponent(blob)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: url)
    }

    /// Builds `targets` and returns the stages that actually ran, in order.
    @discardableResult
    func build(_ pipeline: PipelineDefinition, _ targets: [String], force: Set<String> = [],
               keepGoing: Bool = false) throws -> (ran: [String], report: BuildReport) {
        let observer = RecordingObserver()
        let builder = Builder(pipeline: pipeline, store: store, observer: observer,
                              options: BuildOptions(keepGoing: keepGoing, force: force))
        let report = try builder.build(targets)
        return (observer.started, report)
    }
}

/// a --> ab <-- b ; ab --> parity --> final ; c --> final
func diamond(a: String = "x", aTimes: Int = 1, b: String = "y") throws -> PipelineDefinition {
    let p = PipelineBuilder()
    let sa = p.stage("a", Emit.self, .init(text: a, times: aTimes))
    let sb = p.stage("b", Emit.self, .init(text: b))
    let ab = p.stage("ab", Join.self, .init(), inputs: ["1": sa["out"], "2": sb["out"]])
    let parity = p.stage("parity", Parity.self, .init(), inputs: ["in": ab["out"]])
    let c = p.stage("c", Emit.self, .init(text: "z"))
    let final = p.stage("final", Join.self, .init(separator: "|"), inputs: ["p": parity["out"], "c": c["out"]])
    p.target("result", final, summary: "the diamond's result")
    return try p.finish()
}

/// Copies its input read through `inputFile` (as a model is mapped), checking the file against the
/// input's digest; records the path it was given.
struct MappedCopy: StageKind {
    struct Params: Codable, Sendable { var tag = "" }
    static let name = "mapped-copy"
    static let summary = "copies its input from the file it was given"
    static let code = CodeFingerprint(files: ["Toy/MappedCopy.swift": "v1"])
    static let outputs = ["out"]
    static let paths = PathLog()
    static func run(_ params: Params, _ context: StageContext) throws {
        let url = try context.inputFile("in")
        paths.append(params.tag, url.path)
        let bytes = try Data(contentsOf: url)
        guard Digest.of(bytes).hex == (try context.inputDigest("in")) else { throw StageError.failed("the file is not the input") }
        context.write("out", bytes)
    }

    /// Paths by the stage's tag, safe across build threads.
    final class PathLog: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: [String: [String]] = [:]
        func append(_ tag: String, _ path: String) { lock.withLock { paths[tag, default: []].append(path) } }
        func of(_ tag: String) -> [String] { lock.withLock { paths[tag] ?? [] } }
    }
}
