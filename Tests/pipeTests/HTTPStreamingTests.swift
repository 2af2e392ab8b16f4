import Foundation
import Testing
@testable import Cache

/// Blobs streamed through a real nginx (WebDAV PUT): a round trip larger than any buffer,
/// wrong bytes refused before the store, and an upload cut off midway leaving no entry.
@Suite(.serialized, .enabled(if: NginxServer.unavailableReason == nil, Comment(rawValue: NginxServer.unavailableReason ?? "")))
struct HTTPStreamingTests {
    /// Two stores in a temp directory, removed at the end.
    private final class Stores {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-http-\(UUID().uuidString)")
        let a: ArtifactStore, b: ArtifactStore
        init() throws {
            a = try ArtifactStore(root: directory.appendingPathComponent("a"))
            b = try ArtifactStore(root: directory.appendingPathComponent("b"))
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
        func tmpFiles(_ store: ArtifactStore) -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: store.root.appendingPathComponent("tmp").path)) ?? []
        }
    }

    private static let large: Data = {
        var generator = SystemRandomNumberGenerator()
        var data = Data(count: 9 << 20)
        data.withUnsafeMutableBytes { raw in
            for i in stride(from: 0, to: raw.count, by: 8) { raw.storeBytes(of: generator.next() as UInt64, toByteOffset: i, as: UInt64.self) }
        }
        return data
    }()

    private func record(_ out: Digest) -> ActionRecord {
        ActionRecord(key: Digest.of(Data("key-\(out.hex)".utf8)), stage: "s", kind: "k", params: "{}", inputs: [:],
                     codeDigest: "c", codeFiles: [:], outputs: ["out": out], started: Date(timeIntervalSince1970: 1),
                     finished: Date(timeIntervalSince1970: 2), host: "h", pipeVersion: "0", log: nil)
    }

    @Test func largeBlobRoundTrip() throws {
        let server = try NginxServer()
        let stores = try Stores()
        let remote = HTTPRemote(base: URL(string: server.url)!, attempts: 2, credentials: nil)
        let digest = try stores.a.put(Self.large)
        let action = record(digest)
        try stores.a.record(action)
        #expect(try RemoteCache(store: stores.a, remote: remote).push(action) == Int64(Self.large.count))
        #expect(try Data(contentsOf: server.root.appendingPathComponent("cas/\(digest.hex)")) == Self.large)
        #expect(try RemoteCache(store: stores.b, remote: remote).pull(key: action.key) == action)
        #expect(try stores.b.get(digest) == Self.large)
        #expect(stores.tmpFiles(stores.a).isEmpty && stores.tmpFiles(stores.b).isEmpty)
        #expect(try server.integrityProblems().isEmpty)
    }

    @Test func wrongBytesFromTheServerAreNeverStored() throws {
        let server = try NginxServer()
        let stores = try Stores()
        let remote = HTTPRemote(base: URL(string: server.url)!, attempts: 2, credentials: nil)
        let digest = try stores.a.put(Self.large)
        let action = record(digest)
        try stores.a.record(action)
        try RemoteCache(store: stores.a, remote: remote).push(action)
        var damaged = Self.large
        damaged[4 << 20] ^= 1
        try damaged.write(to: server.root.appendingPathComponent("cas/\(digest.hex)"))
        #expect(throws: RemoteError.digestMismatch(url: "\(remote.location)/cas/\(digest.hex)", expected: digest,
                                                   actual: Digest.of(damaged))) {
            try RemoteCache(store: stores.b, remote: remote).pull(key: action.key)
        }
        #expect(!stores.b.contains(digest) && !stores.b.contains(Digest.of(damaged)))
        #expect(try stores.b.action(for: action.key) == nil)
        #expect(stores.tmpFiles(stores.b).isEmpty)
    }

    /// A PUT whose connection drops after a quarter of its body leaves nothing under the name;
    /// the next upload stores it whole.
    @Test func cutOffUploadLeavesNoEntry() throws {
        let server = try NginxServer()
        let remote = HTTPRemote(base: URL(string: server.url)!, attempts: 2, credentials: nil)
        let name = Digest.of(Self.large).hex
        let port = URL(string: server.url)!.port!
        try Self.sendPartialPut(port: port, path: "/cas/\(name)", length: Self.large.count, sending: Self.large.prefix(Self.large.count / 4))
        #expect(try !remote.has(.cas, name))
        #expect(!FileManager.default.fileExists(atPath: server.root.appendingPathComponent("cas/\(name)").path))

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Self.large.write(to: file)
        try remote.upload(.cas, name, from: file)
        #expect(try Data(contentsOf: server.root.appendingPathComponent("cas/\(name)")) == Self.large)
        let back = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-download-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: back) }
        #expect(try remote.download(.cas, name, to: back))
        #expect(try Data(contentsOf: back) == Self.large)
        #expect(try !remote.download(.cas, String(repeating: "0", count: 64), to: back))
    }

    /// Sends a PUT's head announcing `length` bytes and only `sending` of them, then closes,
    /// and waits until the server has seen the connection end.
    private static func sendPartialPut(port: Int, path: String, length: Int, sending body: Data) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let head = "PUT \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(length)\r\n\r\n"
        for part in [Data(head.utf8), body] {
            try part.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    guard n > 0 else { throw POSIXError(.EPIPE) }
                    offset += n
                }
            }
        }
        shutdown(fd, Int32(SHUT_WR))
        // nginx answers (400) or just closes once it sees the body cut short: read to the end.
        var buffer = [UInt8](repeating: 0, count: 4096)
        while recv(fd, &buffer, buffer.count, 0) > 0 {}
    }
}
