import Foundation
import Testing

/// Bad input and hostile environments: each gives one clear message, and the store stays valid.
@Suite struct BadInputTests {
    @Test func remoteSpecsThatCannotWork() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let noScheme = try cli.toy("pull", "toy", "--remote", "localhost:9092")
        #expect(noScheme.status == 1)
        #expect(noScheme.stderr.contains("remote 'localhost:9092' has no scheme; write http://localhost:9092"), "\(noScheme.stderr)")
        let unknown = try cli.toy("pull", "toy", "--remote", "team")
        #expect(unknown.stderr.contains("no remote named 'team'"), "\(unknown.stderr)")
        let ftp = try cli.toy("remote", "add", "x", "ftp://example.com/cache")
        #expect(ftp.stderr.contains("unsupported scheme 'ftp'"), "\(ftp.stderr)")

        // A closed port on 127.0.0.1: pull fails with the URL; a build warns and runs locally.
        let port = try Self.closedPort()
        let env = ["PIPE_REMOTE_ATTEMPTS": "2"]
        let pull = try cli.toy("pull", "toy", "--remote", "http://127.0.0.1:\(port)", environment: env)
        #expect(pull.status == 1)
        #expect(pull.stderr.contains("cannot reach remote http://127.0.0.1:\(port)/ac/"), "\(pull.stderr)")
        #expect(pull.stderr.contains("after 2 attempts"))
        let build = try cli.toy("build", "toy", "--remote", "http://127.0.0.1:\(port)", "--push", environment: env)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stderr.contains("5 stages: 5 ran, 0 cached"))
        #expect(build.stderr.contains("cannot reach remote"))
    }

    @Test func garbageRemoteConfig() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let config = cli.directory.appendingPathComponent(".pipe/remotes.json")
        try FileManager.default.createDirectory(at: config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("{\"remotes\": [1, 2".utf8).write(to: config)
        let output = try cli.toy("build", "toy", "--remote", "team")
        #expect(output.status == 1)
        #expect(output.stderr.contains("the remotes config \(config.path) is unreadable (not JSON)"), "\(output.stderr)")
        try Data("{\"remotes\": {\"team\": \"cache.example.com\"}}".utf8).write(to: config)
        let noScheme = try cli.toy("build", "toy", "--remote", "team")
        #expect(noScheme.stderr.contains("remote 'team' = 'cache.example.com' has no scheme"), "\(noScheme.stderr)")
    }

    @Test func corruptIndexAndTruncatedBlob() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        #expect(try cli.toy("build", "toy").status == 0)
        let store = cli.directory.appendingPathComponent("store")
        // Truncate every blob: verify names them, the next build recomputes, nothing else breaks.
        let blobs = try FileManager.default.subpathsOfDirectory(atPath: store.appendingPathComponent("blobs").path)
            .filter { $0.hasSuffix(".zst") }
        for path in blobs {
            let url = store.appendingPathComponent("blobs/\(path)")
            let data = try Data(contentsOf: url)
            try FileManager.default.removeItem(at: url)
            try data.prefix(data.count / 2).write(to: url)
        }
        let verify = try cli.toy("verify")
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("corrupt, quarantined"))
        let rebuilt = try cli.toy("build", "toy")
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(try cli.toy("verify").status == 0)

        try Data("this is not SQLite".utf8).write(to: store.appendingPathComponent("index.sqlite"))
        let afterIndex = try cli.toy("build", "toy")
        #expect(afterIndex.status == 0, "\(afterIndex.stderr)")
        #expect(afterIndex.stderr.contains("warning"), "\(afterIndex.stderr)")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/toy/out"), encoding: .utf8)
                == "alpha+beta gamma")
        #expect(try cli.toy("verify").status == 0)
        FaultCounts.report("bad-store", ["corruptions-injected": blobs.count + 1, "artifacts-lost": 0])
    }

    /// A store on a 2 MB tmpfs, filled by 4 MB outputs: a clear error and a store that still
    /// verifies and builds what fits. Needs root (mount); skipped otherwise.
    @Test func fullDiskGivesAClearErrorAndAValidStore() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let mountPoint = cli.directory.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        guard Self.shell("mount -t tmpfs -o size=2m tmpfs '\(mountPoint.path)'") == 0 else {
            print("full-disk test skipped: mount -t tmpfs not permitted here (needs root)")
            return
        }
        defer { _ = Self.shell("umount '\(mountPoint.path)'") }
        let store = mountPoint.appendingPathComponent("store").path
        let full = try cli.toy("build", "big", "--set", "bigmb=1", "--store", store)
        #expect(full.status == 1)
        #expect(full.stderr.contains("No space left on device; free space on that disk"), "\(full.stderr)")
        let verify = try cli.toy("verify", "--store", store)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let small = try cli.toy("build", "toy", "--store", store)
        #expect(small.status == 0, "\(small.stderr)")
        FaultCounts.report("full-disk", ["disk-full-errors": 1, "artifacts-lost": 0])
    }

    static func shell(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>/dev/null"]
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A port on 127.0.0.1 that nothing listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
