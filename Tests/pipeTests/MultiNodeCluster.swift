import Foundation
import Pipeline

/// The three-node Slurm cluster of `scripts/slurm-test-cluster start-multi`: node1..node3, each
/// in its own network, UTS and mount namespace on a bridge (10.77.0.0/24), each with its own
/// node-local job store at `jobStore`; one per machine, shared by the tests that use it.
final class MultiNodeCluster: Sendable {
    struct Unavailable: Error, CustomStringConvertible { let description: String }

    /// Where the controller, and a remote the nodes can reach, listen.
    static let controllerAddress = "10.77.0.1"
    static let nodes = ["node1", "node2", "node3"]

    /// Nil when the cluster can run here (Slurm, iproute2, root); otherwise why its tests skip.
    static var unavailableReason: String? {
        if let reason = SlurmCluster.unavailableReason { return reason }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip")
        else { return "iproute2 is missing: multi-node Slurm tests skipped" }
        guard getuid() == 0 else { return "not root (network namespaces need it): multi-node Slurm tests skipped" }
        return nil
    }

    static let shared: Result<MultiNodeCluster, Error> = Result { try MultiNodeCluster() }

    let conf: String
    /// The job store path: a different directory on every node, empty here.
    let jobStore = "/tmp/pipe-slurm-multi/jobs"

    private init() throws {
        do { conf = try SlurmCluster.start("start-multi", cluster: "multi-node Slurm test cluster") } catch let error as SlurmCluster.Unavailable {
            throw Unavailable(description: error.description)
        }
    }

    var environment: [String: String] {
        ["SLURM_CONF": conf, "PIPE_SLURM_POLL": "0.3", "PIPE_EXECUTOR": "slurm"]
    }

    /// The node a running job is on ("" if it is not running).
    func node(of job: String) throws -> String {
        let out = try Subprocess.run(["squeue", "--noheader", "--jobs=\(job)", "--format=%T %N"],
                                     environment: ["SLURM_CONF": conf], timeout: 60).stdout
        let words = out.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return words.count == 2 && words[0] == "RUNNING" ? words[1] : ""
    }

    /// Kills `node`'s slurmd and every process of its jobs, as a machine that loses power.
    func kill(_ node: String) throws {
        let output = try Self.script("kill-node", node)
        guard output.status == 0 else { throw Unavailable(description: "kill-node \(node): \(output.stderr)") }
    }

    /// Every node up and taking jobs (a test before may have left one down), and every node's
    /// job store empty: a result left there by an earlier run would let a job finish at once.
    var allUp: MultiNodeCluster {
        get throws {
            if try Self.script("status-multi").status != 0 { for node in Self.nodes { try revive(node) } }
            let nodes = URL(fileURLWithPath: jobStore).deletingLastPathComponent().appendingPathComponent("nodes")
            for node in Self.nodes {
                let store = nodes.appendingPathComponent("\(node)/jobs")
                for name in (try? FileManager.default.contentsOfDirectory(atPath: store.path)) ?? [] {
                    try? FileManager.default.removeItem(at: store.appendingPathComponent(name))
                }
            }
            return self
        }
    }

    /// Starts `node`'s slurmd again and waits until every node takes jobs.
    func revive(_ node: String) throws {
        _ = try Self.script("revive-node", node)
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            if try Self.script("status-multi").status == 0 { return }
            _ = try? Subprocess.run(["scontrol", "update", "NodeName=\(node)", "State=RESUME"],
                                    environment: ["SLURM_CONF": conf], timeout: 30)
            usleep(500_000)
        }
        throw Unavailable(description: "\(node) did not come back")
    }

    private static func script(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
        try SlurmCluster.runScript(arguments)
    }
}
