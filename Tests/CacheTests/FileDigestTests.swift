import Foundation
import Testing
@testable import Cache

@Suite struct FileDigestTests {
    let fixture = try! StoreFixture()

    func write(_ text: String, to file: URL, age: TimeInterval) throws {
        try Data(text.utf8).write(to: file)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)],
                                              ofItemAtPath: file.path)
    }

    @Test func hashesOnceThenAgainWhenSizeOrMtimeChanges() throws {
        let store = try fixture.open()
        let file = fixture.directory.appendingPathComponent("params.json")
        try write(#"{"lr":0.1}"#, to: file, age: 3600)

        let first = try store.fileDigest(at: file)
        #expect(first == Digest.of(Data(#"{"lr":0.1}"#.utf8)))
        #expect(try store.fileDigest(at: file) == first)
        #expect(try fixture.open().fileDigest(at: file) == first)   // remembered in the index
        #expect(store.filesHashed.load(ordering: .relaxed) == 1)

        // Same size, other bytes, other mtime.
        try write(#"{"lr":0.2}"#, to: file, age: 1800)
        #expect(try store.fileDigest(at: file) == Digest.of(Data(#"{"lr":0.2}"#.utf8)))
        #expect(store.filesHashed.load(ordering: .relaxed) == 2)

        // Other size, same mtime as before.
        try write(#"{"lr":0.25}"#, to: file, age: 1800)
        #expect(try store.fileDigest(at: file) == Digest.of(Data(#"{"lr":0.25}"#.utf8)))
        #expect(store.filesHashed.load(ordering: .relaxed) == 3)
        #expect(try store.fileDigest(at: file) == Digest.of(Data(#"{"lr":0.25}"#.utf8)))
        #expect(store.filesHashed.load(ordering: .relaxed) == 3)
    }

    /// A file modified just now could change again within the same mtime tick: it is re-hashed
    /// until its mtime is safely older than the hash.
    @Test func aFreshlyWrittenFileIsRehashedUntilItSettles() throws {
        let store = try fixture.open()
        let file = fixture.directory.appendingPathComponent("fresh.txt")
        try Data("fresh".utf8).write(to: file)
        _ = try store.fileDigest(at: file)
        _ = try store.fileDigest(at: file)
        #expect(store.filesHashed.load(ordering: .relaxed) == 2)
        #expect(!ArtifactStore.isSettled(mtime: 10_000_000_000, hashedAt: 11_000_000_000))
        #expect(ArtifactStore.isSettled(mtime: 10_000_000_000, hashedAt: 12_000_000_001))
    }

    @Test func aMissingFileSaysWhich() throws {
        let store = try fixture.open()
        let file = fixture.directory.appendingPathComponent("absent.csv")
        #expect(throws: StoreError.io(operation: "hash", path: file.path, errno: ENOENT)) {
            try store.fileDigest(at: file)
        }
    }
}
