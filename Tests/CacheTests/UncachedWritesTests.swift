import Foundation
import Testing
@testable import Cache

/// Blob files written around the page cache (O_DIRECT) hold exactly the bytes written, whatever
/// their length against the alignment, and fall back to normal writes where O_DIRECT is refused.
@Suite struct UncachedWritesTests {
    let fixture = try! StoreFixture()

    /// Writes `data` in pieces of `piece` bytes through a TempFile and returns what the published file holds.
    private func writeAndRead(_ data: Data, piece: Int, directory: String, uncached: Bool = true) throws -> (Data, Bool) {
        let temp = try TempFile(directory: directory, mode: 0o644, uncached: uncached)
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = min(piece, bytes.count - offset)
                try temp.write(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]))
                offset += n
            }
        }
        let wasUncached = temp.isUncached
        let destination = directory + "/published-\(data.count)-\(piece)"
        try temp.publish(to: destination)
        return (try Data(contentsOf: URL(fileURLWithPath: destination)), wasUncached)
    }

    @Test(arguments: [0, 1, 4095, 4096, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 777])
    func fileHoldsExactlyTheBytes(size: Int) throws {
        let data = randomBytes(size, seed: UInt64(size) + 7)
        // Where the file system takes O_DIRECT (ext4, xfs, recent tmpfs), the file is written with it.
        let probe = fixture.directory.path + "/probe-\(size)"
        let supported = try UncachedWrites.open(probe, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644).map { close($0.fd) } != nil
        for piece in [1000, 65536, 1 << 20, 3 << 20] {
            let (read, wasUncached) = try writeAndRead(data, piece: piece, directory: fixture.directory.path)
            #expect(read == data, "size \(size), pieces of \(piece)")
            #expect(wasUncached == supported)
        }
    }

    @Test func aRefusedBlockFallsBackToNormalWrites() throws {
        // O_DIRECT refuses a write at an unaligned offset (EINVAL), as a file system without
        // O_DIRECT support refuses every one: the writer must switch to normal writes, lose nothing.
        let path = fixture.directory.path + "/refused"
        guard let (fd, writes) = try UncachedWrites.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644) else {
            return  // this file system refuses O_DIRECT at open; TempFile then never uses it
        }
        defer { close(fd) }
        let flags = fcntl(fd, F_GETFL)
        #expect(fcntl(fd, F_SETFL, flags & ~UncachedWrites.openFlag) == 0)
        #expect(Glibc.write(fd, [UInt8(42)], 1) == 1)  // the offset is now 1: unaligned
        #expect(fcntl(fd, F_SETFL, flags) == 0)
        let data = randomBytes(UncachedWrites.blockBytes + 5000, seed: 9)
        let stillDirect = try data.withUnsafeBytes { try writes.append($0, fd: fd, path: path) }
        #expect(!stillDirect)
        #expect(fcntl(fd, F_GETFL) & UncachedWrites.openFlag == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([42]) + data)
    }

    @Test func normalWritesStayNormal() throws {
        let data = randomBytes(5000, seed: 4)
        let (read, wasUncached) = try writeAndRead(data, piece: 999, directory: fixture.directory.path, uncached: false)
        #expect(read == data)
        #expect(!wasUncached)
    }

    @Test func largePutOfKnownBytesWritesNothingNew() throws {
        // Large blobs are hashed while compressing; a second put of the same bytes must still
        // keep the first file and leave no temp file behind.
        let store = try fixture.open()
        let data = randomBytes(Int(UncachedWrites.threshold) + 4321, seed: 5)
        let first = try store.put(data)
        let inode = try FileManager.default.attributesOfItem(atPath: fixture.blobPath(first))[.systemFileNumber] as? Int
        let second = try store.put(data)
        #expect(first == second)
        #expect(first == Digest.of(data))
        #expect(try FileManager.default.attributesOfItem(atPath: fixture.blobPath(first))[.systemFileNumber] as? Int == inode)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.path + "/tmp").isEmpty)
        #expect(try store.get(first) == data)
    }

    @Test func largePutFromAFile() throws {
        let store = try fixture.open()
        let data = randomBytes(Int(UncachedWrites.threshold) + 1, seed: 6)
        let url = fixture.directory.appendingPathComponent("large.bin")
        try data.write(to: url)
        let digest = try store.put(fileAt: url)
        #expect(digest == Digest.of(data))
        #expect(try store.get(digest) == data)
    }
}
