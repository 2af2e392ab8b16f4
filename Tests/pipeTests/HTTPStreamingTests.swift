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
        var generator = SplitMix64(state: 1)  // the same bytes every run
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

    /// The large blob put in `store` under a result of its own.
    private func storeLarge(_ store: ArtifactStore) throws -> (digest: Digest, action: ActionRecord) {
        let digest = try store.put(Self.large)
        let action = record(digest)
        try store.record(action)
        return (digest, action)
    }

    private func httpRemote(_ server: NginxServer) -> HTTPRemote {
        HTTPRemote(base: URL(string: server.url)!, attempts: 2, credentials: nil)
    }

    @Test func largeBlobRoundTrip() throws {
        let server = try NginxServer()
        let stores = try Stores()
        let remote = httpRemote(server)
        let (digest, action) = try storeLarge(stores.a)
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
        let remote = httpRemote(server)
        let (digest, action) = try storeLarge(stores.a)
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
        let remote = httpRemote(server)
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

    /// A download whose connection drops halfway resumes where it stopped (Range) on the retry,
    /// and the file ends up holding the whole entry once.
    @Test func downloadCutOffHalfwayResumesWithARange() throws {
        let body = Self.large.prefix(3 << 20)
        let server = try CuttingServer(body: Data(body))
        let remote = HTTPRemote(base: URL(string: "http://127.0.0.1:\(server.port)")!, attempts: 3, credentials: nil)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try remote.download(.cas, "entry", to: file))
        #expect(try Data(contentsOf: file) == body)
        let heads = server.finish()
        #expect(heads.count == 2)
        #expect(heads.last?.lowercased().contains("range: bytes=\(body.count / 2)-") == true, "\(heads)")
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

/// A one-entry HTTP server on 127.0.0.1 for two requests: it cuts the first answer off after
/// half the body, then answers a Range request with the rest (206).
private final class CuttingServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let body: Data
    private var heads: [String] = []
    private let done = DispatchSemaphore(value: 0)

    init(body: Data) throws {
        self.body = body
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(listener, pointer, length) == 0, listen(listener, 4) == 0 else { return -1 }
                return getsockname(listener, pointer, &length)
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in serve() }.start()
    }

    /// Waits for both requests; returns their heads.
    func finish() -> [String] {
        done.wait()
        close(listener)
        return heads
    }

    private func serve() {
        defer { done.signal() }
        for attempt in 0..<2 {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var head = Data()
            var byte: UInt8 = 0
            while !head.reversed().starts(with: Data("\n\r\n\r".utf8)), recv(connection, &byte, 1, 0) == 1 { head.append(byte) }
            let text = String(decoding: head, as: UTF8.self)
            heads.append(text)
            let half = body.count / 2
            let answer: Data
            if attempt == 0 {
                answer = Data("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body.prefix(half)
            } else {
                let start = text.lowercased().contains("range: bytes=\(half)-") ? half : 0
                let status = start > 0 ? "206 Partial Content\r\nContent-Range: bytes \(start)-\(body.count - 1)/\(body.count)" : "200 OK"
                answer = Data("HTTP/1.1 \(status)\r\nContent-Length: \(body.count - start)\r\nConnection: close\r\n\r\n".utf8)
                    + body.suffix(from: body.startIndex + start)
            }
            answer.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = send(connection, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    if n <= 0 { return }
                    offset += n
                }
            }
        }
    }
}
