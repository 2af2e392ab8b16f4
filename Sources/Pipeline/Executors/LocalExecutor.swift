import Cache
import Foundation

/// Runs stage bodies in this process, on the calling thread, under the store's per-key lock:
/// a second process wanting the same key waits, then finds the result stored.
///
/// Also what a cluster job runs (`pipe exec-stage`), so a result built on a node is stored by
/// exactly the code that stores a local one.
public struct LocalExecutor: StageExecutor {
    public init() {}

    public func produce(_ request: StageRequest) throws -> Produced {
        let (stage, key, store, observer) = (request.stage, request.key, request.store, request.observer)
        var keyLock = try store.tryLock(key: key)
        if keyLock == nil {
            observer?.stageWaiting(stage, key: key)
            keyLock = try store.lock(key: key)
        }
        defer { keyLock?.release() }
        // Another process may have stored it while we waited for the lock; under the lock, so
        // two processes sharing a store download a remote result once.
        if let found = try request.storedResult() { return .found(found) }

        let corruption = InputCorruption()
        var sources: [String: StageInput] = [:]
        for (name, ref) in stage.inputs {
            sources[name] = Self.source(input: name, ref: ref, digest: request.inputs[name]!, store: store,
                                        recent: request.recent, corruption: corruption)
        }

        observer?.stageStarted(stage, key: key)
        let started = Date()
        let log = StageLog(started: started)
        let scratch = StageScratch.make(store: store, key: key)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let context = StageContext(
            sources: sources, scratch: scratch,
            onLog: { line in log.append(line); observer?.stageLog(stage, line) },
            onProgress: { progress in observer?.stageProgress(stage, progress) },
            cancelled: request.isCancelled)
        do {
            try stage.body(context)
        } catch let error as CancellationError {
            throw error
        } catch {
            // An input blob that failed its check, however the stage reported it: the builder
            // recomputes its producer.
            if let corrupt = corruption.first { throw corrupt }
            log.append("error: \(error)")
            let path = Self.saveFailedLog(log.text, stage: stage, key: key, store: store)
            let kept = FailedDirectories.keep(context.keptOnFailure, stage: stage.name, key: key, store: store)
            throw BuildError.stageFailed(stage: stage.name, key: key, log: path, message: "\(error)", kept: kept)
        }
        let written = context.outputNames
        let missing = stage.outputs.filter { !written.contains($0) }
        if !missing.isEmpty { throw BuildError.missingOutputs(stage: stage.name, missing: missing) }
        let extra = written.filter { !stage.outputs.contains($0) }.sorted()
        if !extra.isEmpty { throw BuildError.undeclaredOutputs(stage: stage.name, extra: extra) }

        var outputs: [String: Digest] = [:]
        for (name, bytes) in context.outputs {
            let digest = try store.put(bytes)
            outputs[name] = digest
            request.recent?.keep(bytes, as: digest)
        }
        for (name, file) in context.outputFiles { outputs[name] = try store.put(fileAt: file) }
        let finished = Date()
        log.append("finished in \(String(format: "%.2f", finished.timeIntervalSince(started))) s")
        let logDigest = try store.put(Data(log.text.utf8))
        let record = ActionRecord(
            key: key, stage: stage.name, kind: stage.kind, params: stage.params, inputs: request.inputs,
            codeDigest: stage.code.digest, codeFiles: stage.code.files, outputs: outputs,
            started: started, finished: finished, host: ProcessInfo.processInfo.hostName,
            pipeVersion: PipeVersion.current, log: logDigest)
        try store.record(record)
        FailedDirectories.forget(stage: stage.name, key: key, store: store)
        return .ran(record, seconds: finished.timeIntervalSince(started))
    }

    /// One input, read or mapped when the stage asks: a blob of the store (a mapped input is
    /// restored into the stage's scratch directory), or a file, used in place, whose digest must
    /// still be `digest`. A corrupt blob met either way is recorded in `corruption`.
    static func source(input name: String, ref: ArtifactRef, digest: Digest, store: ArtifactStore,
                       recent: RecentOutputs? = nil, corruption: InputCorruption) -> StageInput {
        StageInput(digest: digest.hex, bytes: {
            try corruption.recording {
                switch ref {
                case let .output(upstream, _):
                    if let kept = recent?.bytes(digest) { return kept }  // stored by this build: bytes already checked
                    return try blob(input: name, upstream: upstream, digest: digest) { try store.get(digest) }
                case let .file(path):
                    let bytes: Data
                    do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                        throw BuildError.inputFileUnreadable(stage: "", input: name, path: path, reason: "\(error)")
                    }
                    // Read first, so that a change during the read shows in the check.
                    try checkUnchanged(input: name, path: path, digest: digest, store: store)
                    return bytes
                }
            }
        }, file: { scratch in
            try corruption.recording {
                switch ref {
                case let .output(upstream, _):
                    let url = scratch.appendingPathComponent("input-\(digest.hex)")
                    try blob(input: name, upstream: upstream, digest: digest) { try store.get(digest, to: url) }
                    return url
                case let .file(path):
                    try checkUnchanged(input: name, path: path, digest: digest, store: store)
                    return URL(fileURLWithPath: path)
                }
            }
        })
    }

    /// Runs `body` on blob `digest`, reporting a corrupt blob as the builder's CorruptInput (it
    /// recomputes `upstream`, the blob having been quarantined).
    private static func blob<T>(input name: String, upstream: String, digest: Digest, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            if case .corruptBlob = error { throw Builder.CorruptInput(input: name, upstream: upstream, digest: digest) }
            throw error
        }
    }

    /// Refuses to run on a file whose digest is no longer `digest` (it changed since it was
    /// taken). The store's stat cache answers without re-hashing an unchanged file, which matters
    /// when many stages read one large file (a model).
    private static func checkUnchanged(input name: String, path: String, digest: Digest, store: ArtifactStore) throws {
        guard try store.contentDigest(at: URL(fileURLWithPath: path)) == digest else {
            throw BuildError.inputFileUnreadable(stage: "", input: name, path: path,
                                                 reason: "it changed while the build was running; run the build again")
        }
    }

    /// Failed runs leave their log as a plain file, so the error message can point at it.
    private static func saveFailedLog(_ text: String, stage: Stage, key: Digest, store: ArtifactStore) -> String {
        try? FileManager.default.createDirectory(at: FailedDirectories.logs(store), withIntermediateDirectories: true)
        let file = FailedDirectories.logURL(stage: stage.name, key: key, store: store)
        try? Data(text.utf8).write(to: file, options: .atomic)
        return file.path
    }
}

/// The first corrupt input blob a stage met while reading its inputs.
final class InputCorruption: @unchecked Sendable {
    private let lock = NSLock()
    private var found: Builder.CorruptInput?
    var first: Builder.CorruptInput? { lock.withLock { found } }

    /// Runs `body`, keeping the first CorruptInput it throws (and throwing it on).
    func recording<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as Builder.CorruptInput {
            lock.withLock { if found == nil { found = error } }
            throw error
        }
    }
}

/// The lines a stage logged, each stamped with the seconds since it started.
final class StageLog: @unchecked Sendable {
    private let started: Date
    private let lock = NSLock()
    private var lines: [String] = []

    init(started: Date) { self.started = started }

    func append(_ line: String) {
        let stamp = String(format: "[%8.2fs] ", Date().timeIntervalSince(started))
        lock.withLock { lines.append(stamp + line) }
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") + "\n" } }
}
