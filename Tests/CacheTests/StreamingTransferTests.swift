import Foundation
import Testing
@testable import Cache

/// Blobs moved between a store and a directory remote through files, in chunks: round trips
/// larger than one chunk, wrong bytes refused before they reach the store, and uploads that
/// fail midway leaving no entry.
@Suite struct StreamingTransferTests {
    private func record(_ key: Digest, outputs: [String: Digest]) -> ActionRecord {
        ActionRecord(key: key, stage: "s", kind: "k", params: "{}", inputs: [:], codeDigest: "c", codeFiles: [:],
                     outputs: outputs, started: Date(timeIntervalSince1970: 1), finished: Date(timeIntervalSince1970: 2),
                     host: "h", pipeVersion: "0", log: nil)
    }

    /// 9 MB of varied bytes: more than two of the 4 MB chunks files are copied in.
    private static let large = randomBytes(9 << 20, seed: 9)   // seeded: the same bytes every run

    private func files(in directory: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    }

    @Test func largeBlobsRoundTripThroughFiles() throws {
        let a = try StoreFixture(), b = try StoreFixture()
        let (storeA, storeB) = (try a.open(), try b.open())
        let remote = DirectoryRemote(root: a.directory.appendingPathComponent("remote"))
        let small = try storeA.put(Data("small".utf8)), large = try storeA.put(Self.large)
        let first = record(Digest.of(Data("k1".utf8)), outputs: ["out": large])
        let second = record(Digest.of(Data("k2".utf8)), outputs: ["out": small, "copy": large])
        for action in [first, second] { try storeA.record(action) }

        #expect(try RemoteCache(store: storeA, remote: remote).push([first, second]) == Int64(Self.large.count + 5))
        #expect(try Data(contentsOf: remote.root.appendingPathComponent("cas/\(large.hex)")) == Self.large)
        #expect(files(in: remote.root.appendingPathComponent("tmp")).isEmpty)

        let cache = RemoteCache(store: storeB, remote: remote)
        #expect(try cache.pull(key: second.key) == second)
        #expect(try storeB.get(large) == Self.large)
        #expect(try storeB.get(small) == Data("small".utf8))
        // The transfer files are gone from both stores' tmp/.
        #expect(files(in: a.root.appendingPathComponent("tmp")).isEmpty)
        #expect(files(in: b.root.appendingPathComponent("tmp")).isEmpty)
    }

    @Test func wrongLargeBytesAreRejectedBeforeTheStore() throws {
        let a = try StoreFixture(), b = try StoreFixture()
        let (storeA, storeB) = (try a.open(), try b.open())
        let remote = DirectoryRemote(root: a.directory.appendingPathComponent("remote"))
        let large = try storeA.put(Self.large)
        let action = record(Digest.of(Data("k".utf8)), outputs: ["out": large])
        try storeA.record(action)
        try RemoteCache(store: storeA, remote: remote).push(action)
        var damaged = Self.large
        damaged[damaged.count - 1] ^= 0xFF   // the last byte: only a whole pass can tell
        try damaged.write(to: remote.root.appendingPathComponent("cas/\(large.hex)"))

        #expect(throws: RemoteError.digestMismatch(url: "\(remote.root.path)/cas/\(large.hex)", expected: large,
                                                   actual: Digest.of(damaged))) {
            try RemoteCache(store: storeB, remote: remote).pull(key: action.key)
        }
        #expect(!storeB.contains(large))
        #expect(!storeB.contains(Digest.of(damaged)))
        #expect(try storeB.action(for: action.key) == nil)
        #expect(files(in: b.root.appendingPathComponent("tmp")).isEmpty)
    }

    /// An upload whose source fails partway (here: a read error) publishes nothing and leaves no temp file.
    @Test func failedUploadLeavesNoEntry() throws {
        let fixture = try StoreFixture()
        let remote = DirectoryRemote(root: fixture.directory.appendingPathComponent("remote"))
        try remote.put(.cas, "other", Data("whole".utf8))
        let unreadable = fixture.directory.appendingPathComponent("a-directory")
        try FileManager.default.createDirectory(at: unreadable, withIntermediateDirectories: true)
        #expect(throws: (any Error).self) { try remote.upload(.cas, "abc", from: unreadable) }
        #expect(try !remote.has(.cas, "abc"))
        #expect(files(in: remote.root.appendingPathComponent("tmp")).isEmpty)
    }

    @Test func downloadReplacesWhatTheFileHeld() throws {
        let fixture = try StoreFixture()
        let remote = DirectoryRemote(root: fixture.directory.appendingPathComponent("remote"))
        let source = fixture.directory.appendingPathComponent("source")
        try Self.large.write(to: source)
        try remote.upload(.cas, "abc", from: source)
        let target = fixture.directory.appendingPathComponent("target")
        try Data(repeating: 1, count: 20 << 20).write(to: target)   // longer than the entry
        #expect(try remote.download(.cas, "abc", to: target))
        #expect(try Data(contentsOf: target) == Self.large)
        #expect(try !remote.download(.cas, "absent", to: target))
    }
}
