import Foundation
import Testing
@testable import Cache

@Suite struct DirectoryDigestTests {
    let fixture = try! StoreFixture()
    let hourAgo = Date().addingTimeInterval(-3600)

    var data: URL { fixture.directory.appendingPathComponent("data") }
    func at(_ relative: String) -> URL { data.appendingPathComponent(relative) }

    func makeSample() throws {
        try TreeFixture.make(data, files: TreeFixture.sample.files,
                             emptyDirectories: TreeFixture.sample.emptyDirectories, mtime: hourAgo)
    }

    /// The manifest format is part of every stage key: pin it.
    @Test func digestIsTheSHA256OfTheManifest() throws {
        try TreeFixture.make(data, files: [.init(path: "b/x.bin", content: "x"), .init(path: "run", content: "r", executable: true)],
                             emptyDirectories: ["a"], mtime: hourAgo)
        let manifest = "pipe-tree 1\n"
            + "d a/\n"
            + "d b/\n"
            + "f 644 \(Digest.of(Data("x".utf8)).hex) b/x.bin\n"
            + "f 755 \(Digest.of(Data("r".utf8)).hex) run\n"
        #expect(try fixture.open().directoryDigest(at: data) == Digest.of(Data(manifest.utf8)))
    }

    @Test func changesWithContentEntriesAndExecBitButNotTimes() throws {
        let store = try fixture.open()
        try makeSample()
        let original = try store.directoryDigest(at: data)
        var seen: Set<Digest> = [original]
        func expectNew(_ what: String) throws {
            let digest = try store.directoryDigest(at: data)
            #expect(!seen.contains(digest), "digest unchanged after \(what)")
            seen.insert(digest)
        }

        try TreeFixture.touchAll(data, mtime: Date(timeIntervalSince1970: 1_000_000))
        #expect(try store.directoryDigest(at: data) == original)

        try Data("DEEP\n".utf8).write(to: at("a/b/c.txt"))          // same size, other bytes
        try expectNew("a content change")
        try Data("new".utf8).write(to: at(".another-hidden"))
        try expectNew("adding a file")
        try FileManager.default.createDirectory(at: at("a/b/empty"), withIntermediateDirectories: false)
        try expectNew("adding an empty directory")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: at("a/top.txt").path)
        try expectNew("setting the exec bit")
        // Only the owner-execute bit is recorded: other permission changes do not count.
        let executable = try store.directoryDigest(at: data)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: at("a/top.txt").path)
        #expect(try store.directoryDigest(at: data) == executable)
    }

    /// Unchanged files are not read again: the stat cache of fileDigest(at:).
    @Test func unchangedFilesAreNotRehashed() throws {
        let store = try fixture.open()
        try makeSample()
        let first = try store.directoryDigest(at: data)
        let hashed = store.filesHashed.load(ordering: .relaxed)
        #expect(hashed == TreeFixture.sample.files.count)
        #expect(try store.directoryDigest(at: data) == first)
        #expect(store.filesHashed.load(ordering: .relaxed) == hashed)
    }

    @Test func symlinkedFilesCountAsTheirTarget() throws {
        let store = try fixture.open()
        try TreeFixture.make(data, files: [.init(path: "weights.bin", content: "w")], emptyDirectories: [], mtime: hourAgo)
        let copy = try store.directoryDigest(at: data)
        try FileManager.default.removeItem(at: at("weights.bin"))
        try Data("w".utf8).write(to: fixture.directory.appendingPathComponent("elsewhere.bin"))
        try FileManager.default.createSymbolicLink(atPath: at("weights.bin").path, withDestinationPath: "../elsewhere.bin")
        #expect(try store.directoryDigest(at: data) == copy)

        try FileManager.default.createSymbolicLink(atPath: at("dangling").path, withDestinationPath: "nowhere")
        #expect(throws: TreeFailure(.hash, data.path, entry: "dangling", .danglingSymlink(target: "nowhere"))) {
            try store.directoryDigest(at: data)
        }
    }

    @Test func contentDigestPicksFileOrDirectory() throws {
        let store = try fixture.open()
        try makeSample()
        #expect(try store.contentDigest(at: at("run.sh")) == store.fileDigest(at: at("run.sh")))
        #expect(try store.contentDigest(at: data) == store.directoryDigest(at: data))
        let missing = fixture.directory.appendingPathComponent("absent")
        #expect(throws: StoreError.io(operation: "hash", path: missing.path, errno: ENOENT)) { try store.contentDigest(at: missing) }
        #expect(throws: StoreError.io(operation: "hash", path: missing.path, errno: ENOENT)) { try store.directoryDigest(at: missing) }
        #expect(throws: TreeFailure(.hash, at("run.sh").path, .notADirectory)) { try store.directoryDigest(at: at("run.sh")) }
    }
}
