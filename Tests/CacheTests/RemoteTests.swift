import Foundation
import Testing
@testable import Cache

/// RemoteCache over a DirectoryRemote: round trips, verification, configs, bundles' tar.
@Suite struct RemoteTests {
    private func record(_ key: Digest, outputs: [String: Digest], log: Digest? = nil) -> ActionRecord {
        ActionRecord(key: key, stage: "s", kind: "k", params: "{}", inputs: [:], codeDigest: "c", codeFiles: [:],
                     outputs: outputs, started: Date(timeIntervalSince1970: 1), finished: Date(timeIntervalSince1970: 2),
                     host: "h", pipeVersion: "0", log: log)
    }

    @Test func pushThenPullThroughADirectory() throws {
        let a = try StoreFixture(), b = try StoreFixture()
        let (storeA, storeB) = (try a.open(), try b.open())
        let remote = DirectoryRemote(root: a.directory.appendingPathComponent("remote"))
        let out = try storeA.put(Data("weights".utf8)), log = try storeA.put(Data("log".utf8))
        let key = Digest.of(Data("key".utf8))
        let action = record(key, outputs: ["out": out], log: log)
        try storeA.record(action)
        try RemoteCache(store: storeA, remote: remote).push(action)
        // Raw bytes under their SHA-256: the file is named by the hash of what it holds.
        #expect(try Data(contentsOf: remote.root.appendingPathComponent("cas/\(out.hex)")) == Data("weights".utf8))
        let pulled = try RemoteCache(store: storeB, remote: remote).pull(key: key)
        #expect(pulled == action)
        #expect(try storeB.action(for: key) == action)
        #expect(try storeB.get(out) == Data("weights".utf8))
    }

    @Test func wrongBytesAreRejectedAndNeverStored() throws {
        let a = try StoreFixture(), b = try StoreFixture()
        let (storeA, storeB) = (try a.open(), try b.open())
        let remote = DirectoryRemote(root: a.directory.appendingPathComponent("remote"))
        let out = try storeA.put(Data("weights".utf8))
        let key = Digest.of(Data("key".utf8))
        let action = record(key, outputs: ["out": out])
        try storeA.record(action)
        try RemoteCache(store: storeA, remote: remote).push(action)
        try Data("WEIGHTS".utf8).write(to: remote.root.appendingPathComponent("cas/\(out.hex)"))
        let cache = RemoteCache(store: storeB, remote: remote)
        #expect(throws: RemoteError.digestMismatch(url: "\(remote.root.path)/cas/\(out.hex)", expected: out,
                                                   actual: Digest.of(Data("WEIGHTS".utf8)))) {
            try cache.pull(key: key)
        }
        #expect(!storeB.contains(out))
        #expect(try storeB.action(for: key) == nil)
    }

    /// A push killed mid-upload leaves only a temp file; sweeping removes old unheld ones and
    /// leaves a writer at work, and a recent file, alone.
    @Test func killedUploadsLeftoversAreSweptByAge() throws {
        let fixture = try StoreFixture()
        let remote = DirectoryRemote(root: fixture.directory.appendingPathComponent("remote"))
        try remote.put(.cas, "abc", Data("whole".utf8))
        let tmp = remote.root.appendingPathComponent("tmp")
        let leftover = tmp.appendingPathComponent("4242-killed.tmp")
        try Data("half of it".utf8).write(to: leftover)
        let writer = try TempFile(directory: tmp.path, mode: 0o644)   // holds its lock
        let later = Date().addingTimeInterval(7200)

        #expect(try remote.sweepTemporary(olderThan: 3600) == 0)   // both are recent
        #expect(try remote.sweepTemporary(olderThan: 3600, now: later, dryRun: true) == 1)
        #expect(FileManager.default.fileExists(atPath: leftover.path))
        #expect(try remote.sweepTemporary(olderThan: 3600, now: later) == 1)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(FileManager.default.fileExists(atPath: writer.path))
        #expect(try remote.get(.cas, "abc") == Data("whole".utf8))
        writer.discard()
    }

    @Test func missingBlobIsAMiss() throws {
        let a = try StoreFixture()
        let storeA = try a.open()
        let remote = DirectoryRemote(root: a.directory.appendingPathComponent("remote"))
        let key = Digest.of(Data("key".utf8))
        try remote.put(.ac, key.hex, RemoteAction.encode(record(key, outputs: ["out": Digest.of(Data("gone".utf8))])))
        #expect(try RemoteCache(store: storeA, remote: remote).pull(key: key) == nil)
        try remote.put(.ac, key.hex, Data("garbage".utf8))
        #expect(throws: RemoteError.self) { try RemoteCache(store: storeA, remote: remote).pull(key: key) }
    }

    @Test func configResolvesNamesUrlsAndPaths() throws {
        let config = RemoteConfig(remotes: ["team": "http://cache.example:8080/pipe", "nfs": "/mnt/cache"], path: "/p/.pipe/remotes.json")
        #expect(try config.resolve("team").location == "http://cache.example:8080/pipe")
        #expect(try config.resolve("nfs") is DirectoryRemote)
        #expect(try config.resolve("https://h/x/").location == "https://h/x")
        #expect(throws: RemoteError.missingScheme("cache.example:8080")) { try config.resolve("cache.example:8080") }
        #expect(throws: RemoteError.unknownRemote(name: "teem", configPath: "/p/.pipe/remotes.json", known: ["nfs", "team"])) {
            try config.resolve("teem")
        }
        #expect(throws: RemoteError.unsupportedScheme(url: "s3://b", scheme: "s3")) { try config.resolve("s3://b") }
    }

    @Test func credentialsComeFromTheEnvironmentOrNetrcAndAreNeverShown() throws {
        let token = RemoteCredentials.find(for: nil, environment: ["PIPE_REMOTE_TOKEN": "s3cret"])
        #expect(token?.header == "Bearer s3cret")
        let netrc = "machine other login x password y\nmachine cache.example login me password pw\n"
        let entry = RemoteCredentials.netrcEntry(netrc, host: "cache.example")
        #expect(entry?.login == "me" && entry?.password == "pw")
        let url = URL(string: "https://me:pw@cache.example/pipe")!
        #expect(RemoteCredentials.redacted(url) == "https://cache.example/pipe")
        #expect(HTTPRemote(base: url).location == "https://cache.example/pipe")
    }

    @Test func tarRoundTripAndDamage() throws {
        let files: [(path: String, data: Data)] = [("cas/\(String(repeating: "a", count: 64))", Data(repeating: 7, count: 1000)),
                                                   ("ac/x", Data())]
        let archive = TarArchive.write(files)
        #expect(archive.count % 512 == 0)
        let read = try TarArchive.read(archive)
        #expect(read.map(\.path) == files.map(\.path) && read.map(\.data) == files.map(\.data))
        var damaged = archive
        damaged[10] ^= 1
        #expect(throws: TarArchive.Malformed.self) { try TarArchive.read(damaged) }
        #expect(throws: TarArchive.Malformed.self) { try TarArchive.read(archive.prefix(700)) }
        #expect(try ZstdFrame.decompress(ZstdFrame.compress(archive)) == archive)
    }
}
