import Cache
import Foundation
import Pipeline

/// A real nginx serving a remote cache on 127.0.0.1, started by scripts/nginx-test-server.
/// Stopping keeps the served files, and `start()` again serves them on the same port.
final class NginxServer {
    /// Why the remote tests cannot run here.
    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/nginx-test-server").path

    /// Nil with a reason when nginx is not installed: the remote tests are then skipped.
    static var unavailableReason: String? {
        let paths = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        return paths.contains(where: FileManager.default.isExecutableFile(atPath:)) ? nil
            : "nginx is not installed (apt-get install -y nginx; scripts/install-deps does it): remote tests skipped"
    }

    let directory: URL
    private(set) var url = ""
    private var port = 0

    /// The address it listens on.
    let host: String

    init(host: String = "127.0.0.1") throws {
        self.host = host
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The served tree: root/cas/<sha256>, root/ac/<key>.
    var root: URL { directory.appendingPathComponent("root") }

    func start() throws {
        let output = try Self.runScript(["start", directory.path, String(port)], environment: ["PIPE_NGINX_LISTEN": host])
        guard output.status == 0, let parsed = URL(string: output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
              let port = parsed.port else {
            throw Unavailable(description: "nginx did not start: \(output.stderr)")
        }
        self.port = port
        url = parsed.absoluteString
    }

    func stop() { _ = try? Self.runScript(["stop", directory.path]) }

    private static func runScript(_ arguments: [String], environment: [String: String] = [:])
        throws -> (status: Int32, stdout: String, stderr: String) {
        // The script starts a daemon: see Subprocess for why not Foundation's Process.
        let result = try Subprocess.run(["/bin/bash", script] + arguments, environment: environment)
        return (result.status, result.stdout, result.stderr)
    }

    /// Problems with the served cache: a /cas/ file not hashing to its name, an /ac/ entry that
    /// is not JSON or names a blob the cache lacks. Empty means nothing is corrupt or dangling.
    func integrityProblems() throws -> [String] {
        var problems: [String] = []
        let fm = FileManager.default
        let casDir = root.appendingPathComponent("cas"), acDir = root.appendingPathComponent("ac")
        let cas = Set((try? fm.contentsOfDirectory(atPath: casDir.path)) ?? [])
        for name in cas {
            let data = try Data(contentsOf: casDir.appendingPathComponent(name))
            let hex = Digest.of(data).hex
            if hex != name { problems.append("cas/\(name) hashes to \(hex)") }
        }
        for name in (try? fm.contentsOfDirectory(atPath: acDir.path)) ?? [] {
            let data = try Data(contentsOf: acDir.appendingPathComponent(name))
            let entry = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            if entry?["format"] as? String == "pipe-runs-1" { continue }  // a target's list of runs (RemoteRuns)
            guard let entry, let record = entry["record"] as? [String: Any],
                  let outputs = record["outputs"] as? [String: String] else {
                problems.append("ac/\(name) is not a pipe action entry"); continue
            }
            var blobs = Array(outputs.values)
            if let log = record["log"] as? String { blobs.append(log) }
            for blob in blobs where !cas.contains(blob) { problems.append("ac/\(name) names missing cas/\(blob)") }
        }
        return problems
    }

    /// Number of stage results (/ac/ entries but the targets' lists of runs) served.
    var actionCount: Int {
        let ac = root.appendingPathComponent("ac")
        return ((try? FileManager.default.contentsOfDirectory(atPath: ac.path)) ?? []).filter { name in
            let data = try? Data(contentsOf: ac.appendingPathComponent(name))
            return !(data.map { String(decoding: $0, as: UTF8.self).contains("\"format\":\"pipe-runs-1\"") } ?? false)
        }.count
    }
}

/// The counts the fault-injection suite reports (for the README), printed as one line per test.
enum FaultCounts {
    static func report(_ test: String, _ counts: KeyValuePairs<String, Int>) {
        let text = counts.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        print("fault-injection \(test): \(text)")
    }
}
