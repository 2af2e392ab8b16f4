import Cache
import Foundation

extension Builder {
    /// Looks one stage up and, on a miss, runs it and stores its outputs.
    func runOne(_ stage: Stage, upstreamOutputs: [String: [String: Digest]],
                heads: [String: Digest]) throws -> (BuildReport.Outcome, ActionRecordRef) {
        var inputs: [String: Digest] = [:]
        for (name, ref) in stage.inputs {
            switch ref {
            case let .output(upstream, output): inputs[name] = upstreamOutputs[upstream]![output]!
            case let .file(path): inputs[name] = try Planner.fileDigest(path, stage: stage, input: name, index: store)
            }
        }
        let key = StageKey.compute(stage, inputs: inputs)
        let forced = options.force.contains(stage.name)
        if !forced, let hit = try cachedResult(stage, key: key, heads: heads) { return hit }

        var keyLock = try store.tryLock(key: key)
        if keyLock == nil {
            observer?.stageWaiting(stage, key: key)
            keyLock = try store.lock(key: key)
        }
        defer { keyLock?.release() }
        // Another process may have stored it while we waited for the lock.
        if !forced, let hit = try cachedResult(stage, key: key, heads: heads) { return hit }
        // Under the key lock, so two processes sharing a store download a result once.
        if !forced, let hit = try remoteResult(stage, key: key, heads: heads) { return hit }

        var data: [String: Data] = [:]
        for (name, ref) in stage.inputs {
            data[name] = try load(input: name, ref: ref, digest: inputs[name]!)
        }

        observer?.stageStarted(stage, key: key)
        let started = Date()
        let log = StageLog(started: started)
        let scratch = store.root.appendingPathComponent("tmp/stage-\(key.short)-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let observer = self.observer
        let context = StageContext(
            inputs: data, scratch: scratch,
            onLog: { line in log.append(line); observer?.stageLog(stage, line) },
            onProgress: { progress in observer?.stageProgress(stage, progress) },
            cancelled: { [weak self] in self?.isCancelled ?? true })
        do {
            try executor.execute(stage, context: context)
        } catch let error as CancellationError {
            throw error
        } catch {
            log.append("error: \(error)")
            let path = saveFailedLog(log.text, stage: stage, key: key)
            throw BuildError.stageFailed(stage: stage.name, key: key, log: path, message: "\(error)")
        }
        let written = context.outputs
        let missing = stage.outputs.filter { written[$0] == nil }
        if !missing.isEmpty { throw BuildError.missingOutputs(stage: stage.name, missing: missing) }
        let extra = written.keys.filter { !stage.outputs.contains($0) }.sorted()
        if !extra.isEmpty { throw BuildError.undeclaredOutputs(stage: stage.name, extra: extra) }

        var outputs: [String: Digest] = [:]
        for (name, bytes) in written { outputs[name] = try store.put(bytes) }
        let finished = Date()
        log.append("finished in \(String(format: "%.2f", finished.timeIntervalSince(started))) s")
        let logDigest = try store.put(Data(log.text.utf8))
        let record = ActionRecord(
            key: key, stage: stage.name, kind: stage.kind, params: stage.params, inputs: inputs,
            codeDigest: stage.code.digest, codeFiles: stage.code.files, outputs: outputs,
            started: started, finished: finished, host: ProcessInfo.processInfo.hostName,
            pipeVersion: PipeVersion.current, log: logDigest)
        try store.record(record)
        try store.setHead(stage: stage.name, key: key)
        if let remote = options.remote {
            // The result is safe locally; a remote that fails only costs sharing it.
            do { try remote.built(record) } catch {
                self.observer?.warning("could not push '\(stage.name)' (key \(key.short)): \(error)")
            }
        }
        let seconds = finished.timeIntervalSince(started)
        self.observer?.stageFinished(stage, key: key, seconds: seconds)
        return (.ran(seconds: seconds), ActionRecordRef(key: key, outputs: outputs))
    }

    private func cachedResult(_ stage: Stage, key: Digest, heads: [String: Digest]) throws
        -> (BuildReport.Outcome, ActionRecordRef)? {
        guard let action = try store.action(for: key) else { return nil }
        if heads[stage.name] != key { try store.setHead(stage: stage.name, key: key) }
        observer?.stageCached(stage, key: key)
        return (.cached, ActionRecordRef(key: key, outputs: action.outputs))
    }

    /// The result of `key` from the remote, now in the local store; nil on a miss or a remote
    /// failure (reported as a warning: the stage then runs locally).
    private func remoteResult(_ stage: Stage, key: Digest, heads: [String: Digest]) throws
        -> (BuildReport.Outcome, ActionRecordRef)? {
        guard let remote = options.remote else { return nil }
        let action: ActionRecord?
        do { action = try remote.fetch(key: key) } catch {
            observer?.warning("remote result of '\(stage.name)' unusable, running it locally: \(error)")
            return nil
        }
        guard let action else { return nil }
        if heads[stage.name] != key { try store.setHead(stage: stage.name, key: key) }
        observer?.stageCached(stage, key: key)
        return (.cached, ActionRecordRef(key: key, outputs: action.outputs))
    }

    private func load(input name: String, ref: ArtifactRef, digest: Digest) throws -> Data {
        switch ref {
        case let .output(upstream, _):
            do {
                return try store.get(digest)
            } catch let error as StoreError {
                if case .corruptBlob = error { throw CorruptInput(input: name, upstream: upstream, digest: digest) }
                throw error
            }
        case let .file(path):
            let bytes: Data
            do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw BuildError.inputFileUnreadable(stage: "", input: name, path: path, reason: "\(error)")
            }
            // The file may have changed since its digest was taken: refuse to run on other bytes.
            // The store's stat cache answers without re-hashing an unchanged file, which matters
            // when many stages read one large file (a model): read first, so a later change
            // shows in the stat.
            guard try store.fileDigest(at: URL(fileURLWithPath: path)) == digest else {
                throw BuildError.inputFileUnreadable(stage: "", input: name, path: path,
                                                     reason: "it changed while the build was running; run the build again")
            }
            return bytes
        }
    }

    /// Failed runs leave their log as a plain file, so the error message can point at it.
    private func saveFailedLog(_ text: String, stage: Stage, key: Digest) -> String {
        let directory = store.root.appendingPathComponent("logs", isDirectory: true)
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("\(stage.name)-\(key.short).failed.log")
        try? Data(text.utf8).write(to: file, options: .atomic)
        return file.path
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

/// The version of pipe recorded with every result.
public enum PipeVersion {
    public static let current = "0.1.0"
}
