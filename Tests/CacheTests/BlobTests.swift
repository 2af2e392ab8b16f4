import Foundation
import Testing
@testable import Cache

@Suite struct BlobTests {
    let fixture = try! StoreFixture()

    @Test(arguments: [0, 1, 1000, 3 << 20, 12 << 20], [0, 2])
    func roundTrip(size: Int, threads: Int) throws {
        let store = try fixture.open(threads: threads)
        let data = randomBytes(size, seed: UInt64(size))
        let digest = try store.put(data)
        #expect(digest == Digest.of(data))
        #expect(store.contains(digest))
        #expect(try store.get(digest) == data)
        #expect(store.blobSize(digest)?.original == Int64(size))
    }

    @Test(arguments: [0, 2])
    func frameHeaderCarriesTheContentSize(threads: Int) throws {
        let store = try fixture.open(threads: threads)
        // 12 MB takes the multithreaded path (with threads), which must still write the size.
        for data in [compressibleBytes(1000), compressibleBytes(12 << 20)] {
            let digest = try store.put(data)
            let file = try #require(try BlobFile(path: fixture.blobPath(digest)))
            #expect(try file.contentSize() == Int64(data.count))
        }
    }

    @Test func putIsIdempotent() throws {
        let store = try fixture.open()
        let data = compressibleBytes(10_000)
        let first = try store.put(data)
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.blobPath(first))
        let second = try store.put(data)
        #expect(first == second)
        // Same inode: the second put did not write a new file.
        let again = try FileManager.default.attributesOfItem(atPath: fixture.blobPath(first))
        #expect(attributes[.systemFileNumber] as? Int == again[.systemFileNumber] as? Int)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.path + "/tmp").isEmpty)
    }

    @Test func compressionShrinksCompressibleData() throws {
        let store = try fixture.open()
        let digest = try store.put(compressibleBytes(1 << 20))
        let size = try #require(store.blobSize(digest))
        #expect(size.original == 1 << 20)
        #expect(size.stored * 20 < size.original)
    }

    @Test func putFileAndGetToFileStream() throws {
        let store = try fixture.open()
        let data = randomBytes(5 << 20, seed: 7)
        let source = fixture.directory.appendingPathComponent("weights.bin")
        try data.write(to: source)
        let digest = try store.put(fileAt: source)
        #expect(digest == Digest.of(data))
        let restored = fixture.directory.appendingPathComponent("restored.bin")
        try Data("old".utf8).write(to: restored)
        try store.get(digest, to: restored)
        #expect(try Data(contentsOf: restored) == data)
        // A restored copy is the user's to change, unlike the blob.
        let mode = try FileManager.default.attributesOfItem(atPath: restored.path)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o200 != 0 } == true)
        #expect(try store.put(fileAt: source) == digest)
    }

    @Test func getOfAnAbsentBlobSaysSo() throws {
        let store = try fixture.open()
        let digest = Digest.of(Data("never stored".utf8))
        #expect(throws: StoreError.blobNotFound(digest: digest, path: fixture.blobPath(digest))) {
            try store.get(digest)
        }
    }

    /// Random bytes are stored as raw zstd blocks, so a flipped byte in the payload still
    /// decodes: only the hash check can catch it.
    @Test func flippedByteIsQuarantined() throws {
        let store = try fixture.open()
        let digest = try store.put(randomBytes(4096, seed: 3))
        try fixture.rewriteBlob(digest) { $0[$0.count - 10] ^= 0x01 }

        let error = #expect(throws: StoreError.self) { try store.get(digest) }
        #expect(error == .corruptBlob(digest: digest, path: fixture.blobPath(digest)))
        #expect(error?.description.contains("quarantine") == true)
        #expect(error?.description.contains("recomputed") == true)
        #expect(!store.contains(digest))
        #expect(try fixture.quarantined().count == 1)
        #expect(fixture.warningsSoFar.count == 1)
        #expect(fixture.warningsSoFar.first?.contains("hash to") == true)
    }

    @Test func truncatedBlobIsQuarantined() throws {
        let store = try fixture.open()
        let digest = try store.put(compressibleBytes(100_000))
        try fixture.rewriteBlob(digest) { $0 = $0.prefix($0.count / 2) }

        #expect(throws: StoreError.corruptBlob(digest: digest, path: fixture.blobPath(digest))) {
            try store.get(digest)
        }
        #expect(!store.contains(digest))
        #expect(fixture.warningsSoFar.first?.contains("truncated") == true)
        // Putting the bytes again repairs the store.
        #expect(try store.put(compressibleBytes(100_000)) == digest)
        #expect(try store.get(digest) == compressibleBytes(100_000))
    }

    @Test func garbageInPlaceOfAFrameIsQuarantined() throws {
        let store = try fixture.open()
        let digest = try store.put(compressibleBytes(1000))
        try fixture.rewriteBlob(digest) { $0 = Data("not zstd at all".utf8) }
        #expect(throws: StoreError.corruptBlob(digest: digest, path: fixture.blobPath(digest))) {
            try store.get(digest)
        }
        #expect(!store.contains(digest))
    }

    @Test func corruptRestoreLeavesTheDestinationAlone() throws {
        let store = try fixture.open()
        let digest = try store.put(randomBytes(4096, seed: 4))
        try fixture.rewriteBlob(digest) { $0[$0.count - 1] ^= 0xff }
        let destination = fixture.directory.appendingPathComponent("out.bin")
        try Data("previous".utf8).write(to: destination)
        #expect(throws: StoreError.corruptBlob(digest: digest, path: fixture.blobPath(digest))) {
            try store.get(digest, to: destination)
        }
        #expect(try Data(contentsOf: destination) == Data("previous".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).sorted() == ["out.bin", "store"])
    }
}
