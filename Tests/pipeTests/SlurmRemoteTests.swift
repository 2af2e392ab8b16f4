import Cache
import Foundation
import Testing

/// `--job-store`: jobs that share no file system with the coordinator. Each job opens a store
/// local to its node, pulls its inputs from the remote (a real nginx) and pushes its result
/// there; the coordinator pulls it into its own store.
extension SlurmTests {
    @Test(.enabled(if: NginxServer.unavailableReason == nil, Comment(rawValue: NginxServer.unavailableReason ?? "")))
    func jobsWithANodeLocalStoreShareResultsThroughTheRemote() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let fm = FileManager.default
        let jobStore = cli.directory.appendingPathComponent("node-local")
        let coordinator = cli.directory.appendingPathComponent("coordinator")
        let arguments = ["toy", "--store", "coordinator", "--remote", server.url, "--job-store", jobStore.path]

        let first = try build(cli, arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("slurm: 5 jobs submitted, 0 adopted"), "\(first.stderr)")
        #expect(first.stderr.contains("5 stages: 5 ran, 0 cached"), "\(first.stderr)")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/toy/out"), encoding: .utf8)
                == Self.expected)

        // The coordinator's store has every result, intact and bit-identical to a local build;
        // the jobs wrote nothing into it (no spec, no job output).
        #expect(try cli.toy("build", "toy", "--store", "local").status == 0)
        let onLocal = try records(cli, store: "local")
        #expect(onLocal.count == 5)
        #expect(try records(cli, store: "coordinator") == onLocal)
        #expect(try cli.toy("verify", "--store", "coordinator").status == 0)
        #expect(!fm.fileExists(atPath: coordinator.appendingPathComponent("jobs").path))
        #expect(!fm.fileExists(atPath: coordinator.appendingPathComponent("logs/slurm").path))
        // The job store is a store of its own, holding what the jobs computed, and their output.
        #expect(try records(cli, store: "node-local") == onLocal)
        #expect(try cli.toy("verify", "--store", jobStore.path).status == 0)
        let outputs = try fm.contentsOfDirectory(atPath: jobStore.appendingPathComponent("logs/slurm").path)
        #expect(outputs.count == 5, "\(outputs)")
        // The remote has every action, each complete.
        #expect(server.actionCount == 5)
        #expect(try server.integrityProblems().isEmpty)

        // Nothing is missing: nothing is submitted.
        let second = try build(cli, arguments)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("slurm: 0 jobs submitted, 0 adopted, 0 squeue polls"), "\(second.stderr)")
        #expect(second.stderr.contains("5 stages: 0 ran, 5 cached"), "\(second.stderr)")

        // A node whose local store is empty (here: the job store removed) pulls ab's inputs
        // from the remote, verified, and the coordinator takes the forced result from the remote.
        try fm.removeItem(at: jobStore)
        let forced = try build(cli, arguments + ["--force", "ab"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("slurm: 1 jobs submitted"), "\(forced.stderr)")
        #expect(forced.stderr.contains("5 stages: 1 ran, 4 cached"), "\(forced.stderr)")
        let pulled = try records(cli, store: "node-local")
        #expect(pulled.keys.sorted() == ["a", "ab", "b"])
        #expect(pulled == onLocal.filter { ["a", "ab", "b"].contains($0.key) })
        let log = try fm.contentsOfDirectory(atPath: jobStore.appendingPathComponent("logs/slurm").path)
            .map { try String(contentsOf: jobStore.appendingPathComponent("logs/slurm/\($0)"), encoding: .utf8) }
            .joined()
        #expect(log.contains("pulled 'a'") && log.contains("pulled 'b'") && log.contains("pushed key"), "\(log)")
        #expect(try cli.toy("verify", "--store", jobStore.path).status == 0)

        // A stage failing on the node: its job id, Slurm's state and its node-local output
        // (readable here, on the one-node cluster, so its tail is shown).
        let failed = try build(cli, arguments + ["--set", "millis=40", "--set", "fail=true"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("stage 'b'") && failed.stderr.contains("ended FAILED"), "\(failed.stderr)")
        #expect(failed.stderr.contains("log: \(jobStore.path)/logs/slurm/"), "\(failed.stderr)")
        #expect(failed.stderr.contains("toy failure requested"), "\(failed.stderr)")
        #expect(failed.stderr.contains("ab: skipped"), "\(failed.stderr)")

        // A coordinator with an empty store of its own finds everything on the remote.
        let fresh = try build(cli, ["toy", "--store", "fresh", "--remote", server.url, "--job-store", jobStore.path])
        #expect(fresh.stderr.contains("slurm: 0 jobs submitted"), "\(fresh.stderr)")
        #expect(fresh.stderr.contains("5 stages: 0 ran, 5 cached"), "\(fresh.stderr)")
        #expect(try records(cli, store: "fresh") == onLocal)
    }

    @Test func jobStoreWithoutARemoteIsRefused() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        for (arguments, environment) in [(["--job-store", "/tmp/pipe-jobs"], [:]),
                                         ([], ["PIPE_SLURM_JOB_STORE": "/tmp/pipe-jobs"])] {
            let refused = try build(cli, ["toy"] + arguments, environment: environment)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("--job-store /tmp/pipe-jobs needs --remote"), "\(refused.stderr)")
            #expect(refused.stderr.contains("share no file system"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("jobs submitted"), "\(refused.stderr)")
        }
    }
}
