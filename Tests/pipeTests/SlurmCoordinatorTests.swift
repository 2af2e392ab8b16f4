import Foundation
import Testing

/// The coordinator's own faults: interrupted, killed, or racing another coordinator.
extension SlurmTests {
    @Test func sigintOfCoordinatorCancelsItsJobs() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let cluster = try self.cluster
        let build = try BackgroundBuild(cli, ["build", "toy", "--set", "c.millis=60000", "--set", "millis=60000"],
                                        environment: cluster.environment)
        let jobs = try ["a", "b", "c"].map { try #require(build.job(of: $0), "\(build.stderr.contents)") }
        // Two run (2 CPUs), one is still queued: both kinds must be cancelled.
        #expect(try cluster.wait(for: jobs[0], state: "RUNNING") || cluster.wait(for: jobs[1], state: "RUNNING"))
        kill(build.process.processIdentifier, SIGINT)
        let status = build.wait()
        #expect(status != 0)
        #expect(build.stderr.contents.contains("build cancelled"), "\(build.stderr.contents)")
        // scancel returns before slurmctld has ended a running job: give it a moment.
        for job in jobs {
            #expect(try cluster.wait(for: job, state: "CANCELLED", timeout: 10),
                    "job \(job): \((try? cluster.state(of: job)) ?? "?")\n\(build.stderr.contents)")
        }
    }

    @Test func sigkilledCoordinatorsJobIsAdoptedByTheNextBuild() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let cluster = try self.cluster
        let runLog = cli.directory.appendingPathComponent("runs.log").path
        let environment = cluster.environment.merging(["TOY_RUN_LOG": runLog]) { $1 }
        let arguments = ["toy-c", "--set", "c.millis=5000"]
        let killed = try BackgroundBuild(cli, ["build"] + arguments, environment: environment)
        let job = try #require(killed.job(of: "c"), "\(killed.stderr.contents)")
        #expect(try cluster.wait(for: job, state: "RUNNING"))
        kill(killed.process.processIdentifier, SIGKILL)
        _ = killed.wait()
        // The job survives its coordinator; the next build waits for it instead of submitting.
        let next = try build(cli, arguments, environment: ["TOY_RUN_LOG": runLog])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("c: job \(job) adopted"), "\(next.stderr)")
        #expect(next.stderr.contains("slurm: 0 jobs submitted, 1 adopted"), "\(next.stderr)")
        #expect(try cluster.state(of: job) == "COMPLETED")
        #expect(runs(runLog) == ["produce gamma"])
        // Once stored, a third build neither submits nor adopts.
        let third = try build(cli, arguments, environment: ["TOY_RUN_LOG": runLog])
        #expect(third.stderr.contains("slurm: 0 jobs submitted, 0 adopted"), "\(third.stderr)")
        #expect(runs(runLog).count == 1)
    }

    @Test func twoCoordinatorsOnOneStoreNeverRunAKeyTwice() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let cluster = try self.cluster
        let runLog = cli.directory.appendingPathComponent("runs.log").path
        let environment = cluster.environment.merging(["TOY_RUN_LOG": runLog]) { $1 }
        // Overlapping targets: toy needs c, toy-c is c.
        let builds = try [["toy"], ["toy-c"], ["toy"]].enumerated().map { i, target in
            try BackgroundBuild(cli, ["build"] + target + ["--set", "millis=1500", "--results", "results\(i)"],
                                environment: environment)
        }
        #expect(builds.map { $0.wait() } == [0, 0, 0], "\(builds.map(\.stderr.contents))")
        let submitted = builds.compactMap { number(before: " jobs submitted", in: $0.stderr.contents) }
        #expect(submitted.count == 3 && submitted.reduce(0, +) == 5, "\(submitted)")
        #expect(runs(runLog).sorted() == ["produce alpha", "produce beta", "produce gamma"])
        for i in [0, 2] {
            #expect(try String(contentsOf: cli.directory.appendingPathComponent("results\(i)/toy/out"), encoding: .utf8)
                    == Self.expected)
        }
    }
}
