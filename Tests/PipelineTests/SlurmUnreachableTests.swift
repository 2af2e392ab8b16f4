import Cache
import Foundation
import Testing
@testable import Pipeline

/// Fake Slurm clients in a temporary directory, for the coordinator's handling of Slurm's
/// answers without a cluster: sbatch submits job 42, `squeue --name` lists no live job, and
/// the status queries (`squeue --jobs`, `scontrol show job`) run the given shell bodies.
final class FakeSlurm {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-fake-slurm-\(UUID().uuidString)")

    /// What slurmctld's clients print when it is down.
    static let down = "echo 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2; exit 1"

    init(squeue: String, scontrol: String = FakeSlurm.down) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scripts = [
            "sbatch": "echo 42",
            "squeue": "case \"$*\" in *--name=*) exit 0 ;; esac\n" + squeue,
            "scontrol": scontrol,
            "scancel": "exit 0",
        ]
        for (name, body) in scripts {
            let url = directory.appendingPathComponent(name)
            try Data("#!/bin/sh\ncd \"$(dirname \"$0\")\"\n\(body)\n".utf8).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

extension ExecutorTests {
    /// Produces stage a of the diamond through the fake clients; the error it ends with.
    private func failure(of slurm: FakeSlurm, unreachableTimeout: TimeInterval) throws -> BuildError? {
        let workspace = try Workspace()
        let stage = try diamond().stage(named: "a")!
        let settings = SlurmSettings(pollInterval: 0.05, executable: "/bin/true", workingDirectory: workspace.root.path,
                                     unreachableTimeout: unreachableTimeout)
        let executor = SlurmExecutor(settings: settings, client: SlurmClient(directory: slurm.directory.path))
        let request = StageRequest(stage: stage, key: StageKey.compute(stage, inputs: [:]), inputs: [:], forced: false,
                                   store: workspace.store)
        do {
            _ = try executor.produce(request)
            return nil
        } catch let error as BuildError {
            return error
        }
    }

    @Test func slurmFailingPastTheTimeoutFailsTheStageNamingCommandAndFix() throws {
        let slurm = try FakeSlurm(squeue: FakeSlurm.down)
        let started = Date()
        let error = try #require(try failure(of: slurm, unreachableTimeout: 1))
        #expect(Date().timeIntervalSince(started) >= 1)
        guard case .clusterUnreachable(let stage, _, "Slurm", "42", _) = error else {
            Issue.record("expected clusterUnreachable, got \(error)")
            return
        }
        #expect(stage == "a")
        let text = "\(error)"
        for expected in ["stage 'a'", "lost contact with Slurm while waiting for job 42", "failed for 1 s",
                         "`squeue --noheader --states=all --format=%i|%T|%r --jobs=42` exited 1",
                         "Unable to contact slurm controller (connect failure)", "scontrol ping", "SLURM_CONF",
                         "PIPE_SLURM_UNREACHABLE_TIMEOUT"] {
            #expect(text.contains(expected), "\(expected) in \(text)")
        }
    }

    @Test func slurmFailingBrieflyIsWaitedFor() throws {
        // Three failed polls, then the job's final state: it is reported, not an unreachable Slurm.
        let slurm = try FakeSlurm(squeue: """
            n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count
            [ "$n" -ge 3 ] && { echo '42|COMPLETED|None'; exit 0; }
            \(FakeSlurm.down)
            """)
        let error = try #require(try failure(of: slurm, unreachableTimeout: 60))
        guard case .jobFailed(_, _, _, "42", "COMPLETED", _, _, _) = error else {
            Issue.record("expected job 42 COMPLETED without a result, got \(error)")
            return
        }
        let polls = try String(contentsOf: slurm.directory.appendingPathComponent("count"), encoding: .utf8)
        #expect((Int(polls.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 4, "\(polls)")
    }

    @Test func aJobSlurmNoLongerKnowsIsNotAnUnreachableSlurm() throws {
        // squeue and scontrol fail for an id they do not know: an answer (the job is gone).
        let unknown = "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1"
        let slurm = try FakeSlurm(squeue: unknown, scontrol: unknown)
        let error = try #require(try failure(of: slurm, unreachableTimeout: 60))
        guard case .jobFailed(_, _, _, "42", "UNKNOWN", _, _, _) = error else {
            Issue.record("expected job 42 UNKNOWN, got \(error)")
            return
        }
    }
}
