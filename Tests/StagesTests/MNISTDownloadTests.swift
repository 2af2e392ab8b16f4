import Foundation
import Testing
@testable import Stages

/// The download path against a real HTTP server on 127.0.0.1 (python3 -m http.server).
@Suite struct MNISTDownloadTests {
    /// Python's http.server serving `directory` on 127.0.0.1 and a free port, until its stdin
    /// closes: so it also ends if the test process dies. (SIGTERM is no way to stop it: the
    /// test runner's children inherit an ignored SIGTERM.)
    final class LocalServer {
        let process = Process()
        let input = Pipe()
        let port: Int

        static let script = """
            import functools, http.server, sys, threading
            class Quiet(http.server.SimpleHTTPRequestHandler):
                def log_message(self, *args): pass
            handler = functools.partial(Quiet, directory=sys.argv[1])
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            print("port", server.server_address[1], flush=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            sys.stdin.read()
            """

        init?(serving directory: URL) throws {
            guard let python = TestSupport.which("python3") else { return nil }
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", Self.script, directory.path]
            let output = Pipe()
            process.standardOutput = output
            process.standardInput = input
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = ""
            while !line.contains("\n") {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break } // the server exited
                line += String(decoding: chunk, as: UTF8.self)
            }
            guard line.hasPrefix("port "), let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                try? input.fileHandleForWriting.close()
                process.waitUntilExit()
                throw NSError(domain: "LocalServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "http.server did not start: \(line)"])
            }
            self.port = port
        }

        var base: String { "http://127.0.0.1:\(port)/" }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    @Test func downloadsFromTheFirstMirrorWithTheRightBytes() throws {
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        guard TestSupport.which("gzip") != nil else { print("skipping download test: no gzip on PATH"); return }
        let hashes = try TestSupport.writeSyntheticMNIST(into: root.appendingPathComponent("served/good"), gzip: true)
        // A mirror with other bytes under the same names: rejected by the hash check.
        _ = try TestSupport.writeSyntheticMNIST(into: root.appendingPathComponent("served/bad"), gzip: true, seed: 99)
        guard let server = try LocalServer(serving: root.appendingPathComponent("served")) else {
            print("skipping download test: python3 is not on PATH (it serves the files over HTTP)")
            return
        }
        defer { server.stop() }
        let cache = root.appendingPathComponent("cache")
        let mirrors = ["missing/", "bad/", "good/"].map { URL(string: server.base + $0)! }
        let locator = MNISTLocator(userDirectory: nil, cacheDirectory: cache, mirrors: mirrors)
        let (train, test) = try TestSupport.loadMNIST(.init(sha256: hashes), locator: locator)
        #expect(train.count == 5 && test.count == 2 && test.labels == [7, 2])
        // Only verified, complete files are kept: the four .gz, no partial downloads.
        let kept = try FileManager.default.contentsOfDirectory(atPath: cache.path).sorted()
        #expect(kept == MNISTFile.allCases.map { $0.rawValue + ".gz" }.sorted())
        for file in MNISTFile.allCases {
            #expect(try MNISTLocator.verifiedContents(ofFileAt: cache.appendingPathComponent(file.rawValue + ".gz"),
                                                      sha256: hashes[file]).count > 0)
        }

        // Offline now: the cache serves; a damaged cached file is replaced from a mirror.
        let offline = MNISTLocator(userDirectory: nil, cacheDirectory: cache, mirrors: [])
        #expect(try TestSupport.loadMNIST(.init(sha256: hashes), locator: offline).0 == train)
        try Data("garbage".utf8).write(to: cache.appendingPathComponent("train-labels-idx1-ubyte.gz"))
        var log: [String] = []
        let bytes = try locator.contents(of: .trainLabels, sha256: hashes.trainLabels) { log.append($0) }
        #expect(bytes.count == 8 + 5)
        #expect(log.contains { $0.contains("discarding bad cached copy") })
    }

    @Test func everyMirrorBadIsAClearError() throws {
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        guard TestSupport.which("gzip") != nil else { print("skipping download test: no gzip on PATH"); return }
        let hashes = try TestSupport.writeSyntheticMNIST(into: root.appendingPathComponent("elsewhere"), gzip: true)
        _ = try TestSupport.writeSyntheticMNIST(into: root.appendingPathComponent("served/bad"), gzip: true, seed: 5)
        guard let server = try LocalServer(serving: root.appendingPathComponent("served")) else {
            print("skipping download test: python3 is not on PATH (it serves the files over HTTP)")
            return
        }
        defer { server.stop() }
        let mirrors = ["bad/", "missing/"].map { URL(string: server.base + $0)! }
        let locator = MNISTLocator(userDirectory: nil, cacheDirectory: root.appendingPathComponent("cache"), mirrors: mirrors)
        do {
            _ = try TestSupport.loadMNIST(.init(sha256: hashes), locator: locator)
            Issue.record("bad mirrors must fail")
        } catch {
            let text = "\(error)"
            #expect(text.contains("bad/train-images-idx3-ubyte.gz: rejected"))
            #expect(text.contains("has SHA-256"))
            #expect(text.contains("missing/train-images-idx3-ubyte.gz: HTTP status 404"))
            #expect(text.contains("set PIPE_MNIST_DIR=/path/to/mnist"))
        }
        // Nothing unverified was kept.
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("cache").path)) ?? []
        #expect(cached.isEmpty)
    }
}
