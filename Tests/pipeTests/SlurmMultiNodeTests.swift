import Cache
import Foundation
import Testing

/// Builds across the three-node cluster of MultiNodeCluster: no file system shared for stores
/// (each node's job store is its own), results through a real nginx on the nodes' network, and
/// nodes that die mid-build. Serialized: the nodes have one CPU each, and tests kill them.
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled(if: MultiNodeCluster.unavailableReason == nil, Comment(rawValue: MultiNodeCluster.unavailableReason ?? "")))
struct SlurmMultiNodeTests {
    var cluster: MultiNodeCluster { get throws { try MultiNodeCluster.shared.get().allUp } }

    static let mnist: String? = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/data/mnist").path
        let dir = ProcessInfo.processInfo.environment["PIPE_MNIST_DIR"] ?? shared
        return FileManager.default.fileExists(atPath: dir) ? dir : nil
    }()

    /// figure-exp1 at a small scale: 10 stages, seconds each.
    static let exp1 = ["figure-exp1", "--set", "models=2", "--set", "mnist.train-samples=1000", "--set", "mnist.test-samples=1000",
                       "--set", "distill.samples=1000", "--set", "exp1.distill-epochs=1,2", "--set", "teacher.epochs=1",
                       "--set", "distill.epochs=1"]

    /// Stage -> key and outputs, and the hosts that built them, of the store at `path`.
    func records(_ cli: CommandRunner, store path: String) throws -> (results: [String: String], hosts: Set<String>) {
        let stored = try storedRecords(cli, store: path)
        return (stored.mapValues(\.result), Set(stored.values.map(\.host)))
    }

    @Test(.enabled(if: SlurmMultiNodeTests.mnist != nil, "MNIST is not beside the repository (../shared/data/mnist) nor in PIPE_MNIST_DIR"))
    func figureExp1OverThreeNodesIsBitIdenticalToALocalBuild() throws {
        let cluster = try self.cluster
        let server = try NginxServer(host: MultiNodeCluster.controllerAddress)
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let environment = cluster.environment.merging(["PIPE_MNIST_DIR": Self.mnist!]) { $1 }
        // Every stage a job (loading MNIST and evaluating too), one CPU each.
        let arguments = ["build"] + Self.exp1 + ["--store", "coordinator", "--remote", server.url, "--job-store", cluster.jobStore,
                                                  "--set", "slurm.all.run=cluster", "--set", "slurm.all.cpus=1", "--set", "slurm.all.mem=900M"]
        let built = try cli.run("pipe", arguments, environment: environment)
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stderr.contains("slurm: 10 jobs submitted, 0 adopted"), "\(built.stderr)")
        #expect(built.stderr.contains("10 stages: 10 ran, 0 cached"), "\(built.stderr)")

        let local = try cli.run("pipe", ["build"] + Self.exp1 + ["--store", "local"], environment: ["PIPE_MNIST_DIR": Self.mnist!])
        #expect(local.status == 0, "\(local.stderr)")
        let (onCluster, hosts) = try records(cli, store: "coordinator")
        #expect(onCluster.count == 10)
        #expect(onCluster == (try records(cli, store: "local")).results)
        // Spread over the nodes (their own hostnames), none on the coordinator.
        #expect(hosts.isSubset(of: Set(MultiNodeCluster.nodes)) && hosts.count >= 2, "\(hosts)")
        #expect(try server.integrityProblems().isEmpty)
        #expect(server.actionCount == 10)
        // The coordinator never saw a job store: its own path here is empty.
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: cluster.jobStore)) ?? []).isEmpty)

        let again = try cli.run("pipe", arguments, environment: environment)
        #expect(again.stderr.contains("slurm: 0 jobs submitted"), "\(again.stderr)")
    }

    /// A node dies (slurmd and its jobs killed) while stage c runs there. With --retries, pipe
    /// resubmits c once Slurm ends the job NODE_FAIL, on a live node, and the build succeeds
    /// with the same bits as a local build; without, the build fails naming NODE_FAIL and the
    /// fix, and a rerun submits only what is missing. The remote never holds half a result.
    @Test func aLostNodesStageIsResubmittedWithRetriesAndFailsClearlyWithout() throws {
        let cluster = try self.cluster
        let server = try NginxServer(host: MultiNodeCluster.controllerAddress)
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        func arguments(_ millis: Int) -> [String] {
            ["build", "toy", "--set", "c.millis=\(millis)", "--store", "coordinator", "--remote", server.url,
             "--job-store", cluster.jobStore]
        }

        /// Runs a coordinator with `extra` arguments and kills c's node once c runs there.
        func buildKillingCsNode(_ arguments: [String]) throws -> (status: Int32, stderr: String, node: String) {
            let build = try BackgroundBuild(cli, arguments, environment: cluster.environment)
            guard let job = build.job(of: "c", timeout: 60) else {
                Issue.record("c was never submitted: \(build.stderr.contents)")
                return (build.wait(), build.stderr.contents, "")
            }
            var node = ""
            let deadline = Date().addingTimeInterval(60)
            while node.isEmpty, Date() < deadline { node = try cluster.node(of: job); usleep(100_000) }
            #expect(!node.isEmpty, "c's job \(job) never ran")
            if !node.isEmpty { try cluster.kill(node) }
            return (build.wait(), build.stderr.contents, node)
        }

        let retried = try buildKillingCsNode(arguments(8000) + ["--retries", "1"])
        defer { if !retried.node.isEmpty { try? cluster.revive(retried.node) } }
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stderr.contains("c: job ") && retried.stderr.contains("was lost (NODE_FAIL"), "\(retried.stderr)")
        #expect(retried.stderr.contains("1 resubmitted after a lost node"), "\(retried.stderr)")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/toy/out"), encoding: .utf8)
                == SlurmTests.expected)
        #expect(try cli.toy("build", "toy", "--set", "c.millis=8000", "--store", "local").status == 0)
        #expect(try records(cli, store: "coordinator").results == (try records(cli, store: "local")).results)
        #expect(try server.integrityProblems().isEmpty)
        if !retried.node.isEmpty { try cluster.revive(retried.node) }

        // Without retries (c is a new key; a, b and ab are stored).
        let failed = try buildKillingCsNode(arguments(8001))
        defer { if !failed.node.isEmpty { try? cluster.revive(failed.node) } }
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("stage 'c'") && failed.stderr.contains("ended NODE_FAIL"), "\(failed.stderr)")
        #expect(failed.stderr.contains("--retries N"), "\(failed.stderr)")
        #expect(try server.integrityProblems().isEmpty)
        if !failed.node.isEmpty { try cluster.revive(failed.node) }
        let rerun = try cli.toy(arguments(8001), environment: cluster.environment)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        // Only c: it writes what it wrote at 8000 ms, so `all` is found stored (early cutoff).
        #expect(rerun.stderr.contains("slurm: 1 jobs submitted"), "\(rerun.stderr)")
        #expect(rerun.stderr.contains("5 stages: 1 ran, 4 cached"), "\(rerun.stderr)")
    }
}
