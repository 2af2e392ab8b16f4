import Foundation
import Testing

/// Jobs that end badly: each reports stage, Slurm job id, state and the log's tail; dependents
/// are skipped, finished stages stay cached, and the next build submits only what is missing.
extension SlurmTests {
    /// Builds `toy` with c slow (`cMillis`), runs `inject(jobID)` once c's job is RUNNING and a,
    /// b and ab are done (the fault must not cost their results), and returns the build's exit
    /// status and standard error.
    private func buildWhileInjecting(_ cli: CommandRunner, cMillis: Int, extra: [String] = [],
                                     _ inject: (String) throws -> Void) throws -> (Int32, String) {
        let cluster = try self.cluster
        let build = try BackgroundBuild(cli, ["build", "toy", "--set", "c.millis=\(cMillis)"] + extra,
                                        environment: cluster.environment)
        let job = try #require(build.job(of: "c"), "no job submitted for c: \(build.stderr.contents)")
        #expect(try cluster.wait(for: job, state: "RUNNING"))
        let deadline = Date().addingTimeInterval(30)
        while !build.stderr.contents.contains("ab: done"), Date() < deadline { usleep(100_000) }
        try inject(job)
        let status = build.wait()
        return (status, build.stderr.contents)
    }

    /// After a fault in c: a, b, ab stayed stored; a build with a quick c submits c and all only.
    private func expectOnlyMissingResubmitted(_ cli: CommandRunner) throws {
        let rerun = try build(cli, ["toy", "--set", "c.millis=100"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("slurm: 2 jobs submitted"), "\(rerun.stderr)")
        #expect(rerun.stderr.contains("5 stages: 2 ran, 3 cached"), "\(rerun.stderr)")
    }

    @Test func scancelledJobReportsCancelledWithJobIdAndLogTail() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let cluster = try self.cluster
        var cancelled = ""
        let (status, stderr) = try buildWhileInjecting(cli, cMillis: 60_000) { job in
            cancelled = job
            try cluster.client("scancel", [job])
        }
        #expect(status != 0)
        #expect(stderr.contains("stage 'c'") && stderr.contains("Slurm job \(cancelled) ended CANCELLED"), "\(stderr)")
        #expect(stderr.contains("last lines:") && stderr.contains("CANCELLED AT"), "\(stderr)")
        // The job saw SIGTERM and stopped its stage cleanly before Slurm's SIGKILL.
        #expect(stderr.contains("stopped by SIGTERM"), "\(stderr)")
        #expect(stderr.contains("all: skipped"), "\(stderr)")
        try expectOnlyMissingResubmitted(cli)
    }

    @Test func jobOverItsTimeLimitReportsTimeout() throws {
        // Slurm's limits are whole minutes, checked every 30 s: this test takes 1-1.5 min. a, b
        // and ab finish meanwhile, on the other CPU.
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let build = try self.build(cli, ["toy", "--set", "c.millis=180000", "--set", "slurm.c.time=1"])
        #expect(build.status != 0)
        let job = try #require(BackgroundBuild.submittedJob(of: "c", in: build.stderr), "\(build.stderr)")
        #expect(build.stderr.contains("stage 'c'") && build.stderr.contains("Slurm job \(job) ended TIMEOUT"), "\(build.stderr)")
        #expect(build.stderr.contains("--set slurm.c.time=MINUTES"), "\(build.stderr)")
        #expect(build.stderr.contains("DUE TO TIME LIMIT"), "\(build.stderr)")
        #expect(build.stderr.contains("all: skipped"), "\(build.stderr)")
        try expectOnlyMissingResubmitted(cli)
    }

    @Test func jobOverItsMemoryReportsOutOfMemory() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let build = try self.build(cli, ["hog", "--set", "hog.mb=600", "--set", "slurm.hog.mem=150M"])
        #expect(build.status != 0)
        let job = try #require(BackgroundBuild.submittedJob(of: "hog", in: build.stderr), "\(build.stderr)")
        #expect(build.stderr.contains("stage 'hog'") && build.stderr.contains("Slurm job \(job) ended OUT_OF_MEMORY"),
                "\(build.stderr)")
        #expect(build.stderr.contains("(150 MB)") && build.stderr.contains("--set slurm.hog.mem="), "\(build.stderr)")
        #expect(build.stderr.contains("xceeded job memory limit"), "\(build.stderr)")
        // Within its limit the same kind builds.
        let fits = try self.build(cli, ["hog", "--set", "hog.mb=20", "--set", "hog.millis=100"])
        #expect(fits.status == 0, "\(fits.stderr)")
    }

    @Test func nodeDownReportsNodeFail() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let cluster = try self.cluster
        defer {
            _ = try? cluster.client("scontrol", ["update", "NodeName=\(cluster.node)", "State=RESUME"])
            try? cluster.waitForNodeUp()
        }
        let (status, stderr) = try buildWhileInjecting(cli, cMillis: 60_000) { _ in
            try cluster.client("scontrol", ["update", "NodeName=\(cluster.node)", "State=DOWN", "Reason=pipe-test"])
        }
        #expect(status != 0)
        #expect(stderr.contains("stage 'c'") && stderr.contains("ended NODE_FAIL"), "\(stderr)")
        #expect(stderr.contains("sinfo -R"), "\(stderr)")
        // ReturnToService=2 may have brought it back already (then RESUME is refused).
        _ = try? cluster.client("scontrol", ["update", "NodeName=\(cluster.node)", "State=RESUME"])
        try cluster.waitForNodeUp()
        try expectOnlyMissingResubmitted(cli)
    }
}
