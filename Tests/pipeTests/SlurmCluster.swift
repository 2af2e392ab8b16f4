import Foundation
import Pipeline

/// The one-node Slurm cluster on loopback that scripts/slurm-test-cluster runs (one per machine,
/// shared by every test: `start` is idempotent). Tests reach it through SLURM_CONF.
final class SlurmCluster: Sendable {
    /// Why the cluster cannot run here.
    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/slurm-test-cluster").path

    /// Nil when slurmctld is installed; otherwise why the Slurm tests are skipped.
    static var unavailableReason: String? {
        let paths = ["/usr/sbin/slurmctld", "/usr/bin/slurmctld", "/usr/local/sbin/slurmctld"]
        return paths.contains(where: FileManager.default.isExecutableFile(atPath:)) ? nil
            : "slurmctld is not installed (apt-get install -y slurm-wlm munge; scripts/install-deps does it): Slurm tests skipped"
    }

    /// Started once per test process.
    static let shared: Result<SlurmCluster, Error> = Result { try SlurmCluster() }

    /// The cluster's slurm.conf.
    let conf: String
    /// The node's name (the short hostname).
    let node: String

    private init() throws {
        conf = try Self.start("start", cluster: "Slurm test cluster")
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count)
        node = String(cString: name).split(separator: ".").first.map(String.init) ?? "localhost"
    }

    /// What a coordinator under test needs: the cluster, a short poll interval, the executor.
    var environment: [String: String] {
        ["SLURM_CONF": conf, "PIPE_SLURM_POLL": "0.3", "PIPE_EXECUTOR": "slurm"]
    }

    /// Runs a Slurm client (squeue, scontrol, scancel) against this cluster; its stdout.
    @discardableResult
    func client(_ tool: String, _ arguments: [String]) throws -> String {
        let output = try Self.run("/usr/bin/env", [tool] + arguments, environment: ["SLURM_CONF": conf])
        guard output.status == 0 else {
            throw Unavailable(description: "\(tool) \(arguments.joined(separator: " ")) failed: \(output.stderr)")
        }
        return output.stdout
    }

    /// `scontrol show job`'s JobState of `job`.
    func state(of job: String) throws -> String {
        let out = try client("scontrol", ["show", "job", "-o", job])
        return out.split(separator: " ").first { $0.hasPrefix("JobState=") }.map { String($0.dropFirst(9)) } ?? "?"
    }

    /// Waits until `job` is in `state` (up to `timeout` seconds); false if it never was.
    func wait(for job: String, state wanted: String, timeout: TimeInterval = 60) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, !Task.isCancelled {
            if try state(of: job) == wanted { return true }
            usleep(100_000)
        }
        return false
    }

    /// The node's CPUs as slurm.conf declares them (scripts/slurm-test-cluster: at most 2).
    func cpus() throws -> Int {
        let out = try client("sinfo", ["--noheader", "--nodes=\(node)", "--format=%c"])
        guard let cpus = Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Unavailable(description: "sinfo gave no CPU count for \(node): \(out)")
        }
        return cpus
    }

    /// Polls the jobs' states until `done` accepts them (up to `timeout` seconds); the last
    /// states seen, and whether `done` accepted them.
    func waitForStates(of jobs: [String], timeout: TimeInterval = 60,
                       until done: ([String]) -> Bool) throws -> (states: [String], reached: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        var states: [String] = []
        while Date() < deadline, !Task.isCancelled {
            states = try jobs.map(state(of:))
            if done(states) { return (states, true) }
            usleep(100_000)
        }
        return (states, false)
    }

    /// Waits until the node takes jobs again (after a test set it DOWN and RESUMEd it).
    func waitForNodeUp(timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let state = try client("sinfo", ["--noheader", "--nodes=\(node)", "--format=%t"])
            if state.hasPrefix("idle") || state.hasPrefix("mix") || state.hasPrefix("alloc") { return }
            usleep(200_000)
        }
        throw Unavailable(description: "node \(node) did not come back up")
    }

    /// Runs scripts/slurm-test-cluster with `arguments`.
    static func runScript(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run("/bin/bash", [script] + arguments, environment: [:])
    }

    /// Starts a cluster with the script's `verb` and returns the slurm.conf it prints.
    static func start(_ verb: String, cluster: String) throws -> String {
        let output = try runScript([verb])
        let conf = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.status == 0, FileManager.default.fileExists(atPath: conf) else {
            throw Unavailable(description: "the \(cluster) did not start: \(output.stderr)")
        }
        return conf
    }

    private static func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws
        -> (status: Int32, stdout: String, stderr: String) {
        // Not Foundation's Process: its waitUntilExit once missed this script's exit and spun
        // forever (see Subprocess). The script and Slurm's clients give up on their own well
        // within the timeout (the clients retry a missing config for 60 s).
        let result = try Subprocess.run([executable] + arguments, environment: environment, timeout: 180)
        return (result.status, result.stdout, result.stderr)
    }
}
