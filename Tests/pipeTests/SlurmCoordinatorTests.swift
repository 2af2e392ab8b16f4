import Foundation
import Testing

/// The coordinator's own faults: interrupted, killed, or racing another coordinator.
extension SlurmTests {
    /// Ctrl-C (SIGINT) and SIGTERM (`kill`, a CI runner giving up) both stop the coordinator,
    /// and it cancels its jobs, running and queued alike.
    @Test(arguments: ["SIGINT", "SIGTERM"])
    func signalledCoordinatorCancelsItsJobs(_ signal: String) throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let cluster = try self.cluster
        let build = try BackgroundBuild(cli, ["build", "toy", "--set", "millis=60000"], environment: cluster.environment)
        let stages = ["a", "b", "c"]
        let jobs = try stages.map { try #require(build.job(of: $0), "\(build.stderr.contents)") }
        // Each job takes one CPU: the node (2 CPUs, 1 on a smaller machine) runs that many and
        // queues the rest. Which ones wait is Slurm's choice, so the test asks it.
        let running = min(try cluster.cpus(), jobs.count - 1)
        let (states, reached) = try cluster.waitForStates(of: jobs) { states in
            states.filter { $0 == "RUNNING" }.count == running && states.filter { $0 == "PENDING" }.count == jobs.count - running
        }
        #expect(reached, "expected \(running) RUNNING, the rest PENDING: \(zip(stages, states).map { "\($0) \($1)" })\n\(build.stderr.contents)")
        // The coordinator's live output (plain, not a terminal) says which runs, and why the others
        // wait, with Slurm's reason (Resources, Priority).
        for (stage, (job, state)) in zip(stages, zip(jobs, states)) {
            let line = state == "RUNNING" ? "] \(stage): started" : "] \(stage): job \(job) PENDING ("
            #expect(build.waitForOutput(line), "\(line) in\n\(build.stderr.contents)")
        }
        build.signal(signal == "SIGINT" ? SIGINT : SIGTERM)
        let status = build.wait()
        #expect(status != 0)
        #expect(build.stderr.contents.contains("build cancelled"), "\(build.stderr.contents)")
        // scancel returns before slurmctld has ended a running job: give it a moment.
        for job in jobs {
            #expect(try cluster.wait(for: job, state: "CANCELLED", timeout: 30),
                    "job \(job): \((try? cluster.state(of: job)) ?? "?")\n\(build.stderr.contents)")
        }
    }

    @Test func sigkilledCoordinatorsJobIsAdoptedByTheNextBuild() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let cluster = try self.cluster
        let runLog = cli.directory.appendingPathComponent("runs.log").path
        let environment = cluster.environment.merging(["TOY_RUN_LOG": runLog]) { $1 }
        // c runs long enough that the next build still finds its job alive, even on a loaded machine.
        let arguments = ["toy-c", "--set", "c.millis=20000"]
        let killed = try BackgroundBuild(cli, ["build"] + arguments, environment: environment)
        let job = try #require(killed.job(of: "c"), "\(killed.stderr.contents)")
        #expect(try cluster.wait(for: job, state: "RUNNING"))
        killed.signal(SIGKILL)
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
