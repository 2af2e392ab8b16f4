import Foundation
import Synchronization
@testable import Cache

/// A fresh temp directory per test, removed when the test's suite instance goes away.
final class StoreFixture: Sendable {
    let directory: URL
    let warnings = Mutex<[String]>([])

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pipe-cache-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The store directory every test uses.
    var root: URL { directory.appendingPathComponent("store") }

    /// Opens (or reopens) the store at `root`, collecting its warnings.
    func open(level: Int = 3, threads: Int = 0) throws -> ArtifactStore {
        try ArtifactStore(root: root, compressionLevel: level, compressionThreads: threads) { [self] message in
            warnings.withLock { $0.append(message) }
        }
    }

    var warningsSoFar: [String] { warnings.withLock { $0 } }

    /// Path of a blob's file inside the store.
    func blobPath(_ digest: Digest) -> String {
        root.path + "/blobs/\(digest.hex.prefix(2))/\(digest.hex).zst"
    }

    /// Overwrites a blob file (they are read-only: chmod first, so this also works as non-root).
    func rewriteBlob(_ digest: Digest, _ change: (inout Data) -> Void) throws {
        let path = blobPath(digest)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        change(&bytes)
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    func quarantined() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.path + "/quarantine")
    }
}

/// Deterministic pseudo-random bytes (SplitMix64), so tests never depend on the run.
func randomBytes(_ count: Int, seed: UInt64 = 1) -> Data {
    var state = seed
    var words = [UInt64](repeating: 0, count: (count + 7) / 8)
    for index in words.indices {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        words[index] = z ^ (z >> 31)
    }
    return words.withUnsafeBytes { Data($0.prefix(count)) }
}

/// Text that compresses well.
func compressibleBytes(_ count: Int) -> Data {
    let line = Data("epoch 1 loss 0.693147 accuracy 0.5012 lr 0.001\n".utf8)
    var data = Data(capacity: count)
    while data.count < count { data.append(line) }
    return data.prefix(count)
}

func key(_ name: String) -> Digest { Digest.of(Data("key:\(name)".utf8)) }

/// An action for `name` with the given outputs (which must be in the store to record it).
func sampleAction(_ name: String, outputs: [String: Digest], log: Digest? = nil,
                  finished: Date = Date(timeIntervalSinceReferenceDate: 800_000_000.123456)) -> ActionRecord {
    ActionRecord(
        key: key(name), stage: "teacher.\(name)", kind: "train-teacher",
        params: #"{"epochs":5,"lr":0.001}"#,
        inputs: ["images": Digest.of(Data("images".utf8)), "labels": Digest.of(Data("labels".utf8))],
        codeDigest: String(repeating: "c", count: 64),
        codeFiles: ["Sources/Stages/MLP/Train.swift": String(repeating: "d", count: 64)],
        outputs: outputs,
        started: finished.addingTimeInterval(-61.5), finished: finished,
        host: "test-host", pipeVersion: "0.1.0", log: log)
}
