import Foundation
import Testing

/// Command stages' results (a directory output among them) travel like any others: through a
/// real nginx remote, a bundle, and Slurm jobs, bit-identical to a local build.
@Suite(.serialized, .enabled(if: NginxServer.unavailableReason == nil, Comment(rawValue: NginxServer.unavailableReason ?? "")))
struct CommandTransferTests {
    @Test func commandResultsGoThroughTheRemoteAndABundle() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let first = try cli.toy("build", "cmd-tree", "--store", "one", "--remote", server.url, "--push")
        #expect(first.stderr.contains("2 stages: 2 ran, 0 cached"), "\(first.stderr)")
        #expect(server.actionCount == 2)
        #expect(try server.integrityProblems().isEmpty)
        let second = try cli.toy("build", "cmd-tree", "--store", "two", "--remote", server.url)
        #expect(second.stderr.contains("2 stages: 0 ran, 2 cached"), "\(second.stderr)")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/cmd-tree/both.txt"), encoding: .utf8)
                == "20\ndeep\n")
        let make = try cli.toy("build", "cmd-tree.make", "--store", "two")
        #expect(make.stdout.contains("results/cmd-tree.make/tree/"), "\(make.stdout)")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/cmd-tree.make/tree/sub/d"),
                           encoding: .utf8) == "deep\n")

        #expect(try cli.toy("export", "cmd-tree", "-o", "tree.tar.zst", "--store", "one").status == 0)
        let imported = try cli.toy("import", "tree.tar.zst", "--store", "three")
        #expect(imported.stdout.contains("imported 2 results"), "\(imported.stdout) \(imported.stderr)")
        let third = try cli.toy("build", "cmd-tree", "--store", "three")
        #expect(third.stderr.contains("2 stages: 0 ran, 2 cached"), "\(third.stderr)")
        #expect(try cli.toy("verify", "--store", "three").status == 0)
    }
}

extension SlurmTests {
    /// Command stages as batch jobs, on a shared store and on node-local stores through the remote.
    @Test(.enabled(if: NginxServer.unavailableReason == nil, Comment(rawValue: NginxServer.unavailableReason ?? "")))
    func commandStagesRunAsJobs() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let local = try cli.toy("build", "cmd-tree", "--store", "local")
        #expect(local.status == 0, "\(local.stderr)")
        let shared = try build(cli, ["cmd-tree", "--store", "cluster"])
        #expect(shared.status == 0, "\(shared.stderr)")
        #expect(shared.stderr.contains("slurm: 2 jobs submitted"), "\(shared.stderr)")
        #expect(try records(cli, store: "cluster") == records(cli, store: "local"))

        let server = try NginxServer()
        let jobStore = cli.directory.appendingPathComponent("node-local")
        let remote = try build(cli, ["cmd-tree", "--store", "coordinator", "--remote", server.url,
                                     "--job-store", jobStore.path])
        #expect(remote.status == 0, "\(remote.stderr)")
        #expect(remote.stderr.contains("2 stages: 2 ran, 0 cached"), "\(remote.stderr)")
        #expect(try records(cli, store: "coordinator") == records(cli, store: "local"))
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/cmd-tree/both.txt"), encoding: .utf8)
                == "20\ndeep\n")
    }
}
