import Foundation
import Testing

/// Faults at toy scale against a real nginx and real processes; every test ends by checking
/// that nothing was lost or corrupted (verify clean, remote entries hash to their names, the
/// next build completes with the uninterrupted result). Counts go to stdout ("fault-injection").
@Suite(.serialized, .enabled(if: NginxServer.unavailableReason == nil, Comment(rawValue: NginxServer.unavailableReason ?? "")))
struct FaultInjectionTests {
    static let expected = "alpha+beta gamma"

    private func result(_ cli: CommandRunner, _ target: String = "toy") throws -> String {
        try String(contentsOf: cli.directory.appendingPathComponent("results/\(target)/out"), encoding: .utf8)
    }

    /// Runs ToyPipe with `arguments` and stops the server `delay` µs later; returns its exit status.
    private func runWhileStopping(_ cli: CommandRunner, _ server: NginxServer, after delay: useconds_t,
                                  _ arguments: [String]) throws -> Int32 {
        let process = cli.process("ToyPipe", arguments, environment: ["PIPE_REMOTE_ATTEMPTS": "2"])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(delay)
        server.stop()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func serverStoppedMidPushAndMidPull() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let wide = ["--set", "width=150"]
        #expect(try cli.toy(["build", "wide", "--store", "one"] + wide).status == 0)

        var interrupted = 0
        // Push: stopped part way, then resumed; the second push uploads only what is missing.
        let pushStatus = try runWhileStopping(cli, server, after: 250_000, ["push", "wide", "--store", "one", "--remote", server.url] + wide)
        interrupted += pushStatus != 0 ? 1 : 0
        let partial = server.actionCount
        #expect(try server.integrityProblems().isEmpty)
        try server.start()
        let push = try cli.toy(["push", "wide", "--store", "one", "--remote", server.url] + wide)
        #expect(push.status == 0, "\(push.stderr)")
        #expect(server.actionCount == 151)
        #expect(try server.integrityProblems().isEmpty)

        // Pull: stopped part way; the local store stays valid, the next pull completes.
        let pullStatus = try runWhileStopping(cli, server, after: 200_000, ["pull", "wide", "--store", "two", "--remote", server.url] + wide)
        interrupted += pullStatus != 0 ? 1 : 0
        let verify = try cli.toy("verify", "--store", "two")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        try server.start()
        let pull = try cli.toy(["pull", "wide", "--store", "two", "--remote", server.url] + wide)
        #expect(pull.stdout.contains("151 of 151 results present locally"), "\(pull.stdout)\(pull.stderr)")
        let build = try cli.toy(["build", "wide", "--store", "two"] + wide)
        #expect(build.stderr.contains("151 stages: 0 ran, 151 cached"), "\(build.stderr)")
        FaultCounts.report("server-stopped", ["transfers": 4, "interrupted": interrupted,
                                              "ac-entries-before-restart": partial, "artifacts-lost": 0])
    }

    @Test func tamperedRemoteBlobIsRejectedAndRecomputed() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        #expect(try cli.toy("build", "toy", "--store", "one", "--remote", server.url, "--push").status == 0)
        // Every /cas/ file holding a's output gets other bytes of the same length.
        let cas = server.root.appendingPathComponent("cas")
        var tampered = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: cas.path) {
            let file = cas.appendingPathComponent(name)
            if try Data(contentsOf: file) == Data("alpha".utf8) {
                try Data("alphA".utf8).write(to: file)
                tampered += 1
            }
        }
        #expect(tampered == 1)
        let build = try cli.toy("build", "toy", "--store", "two", "--remote", server.url, "--push")
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stderr.contains("rejected, not stored"), "\(build.stderr)")
        // Only a reruns: it reproduces "alpha", so ab and all still come from the remote.
        #expect(build.stderr.contains("5 stages: 1 ran, 4 cached"), "\(build.stderr)")
        #expect(try result(cli) == Self.expected)
        #expect(try cli.toy("verify", "--store", "two").status == 0)
        // Writing through replaced the bad copy.
        #expect(try server.integrityProblems().isEmpty)
        FaultCounts.report("tampered-blob", ["corruptions-injected": tampered, "rejected": 1, "artifacts-lost": 0])
    }

    @Test(arguments: [2, 4]) func concurrentBuildersShareStoreAndRemote(builders: Int) throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let runLog = cli.directory.appendingPathComponent("runs.log").path
        // Half share one local store, the others each have their own; all share the remote.
        let processes = (0..<builders).map { i in
            cli.process("ToyPipe", ["build", "toy", "--set", "millis=200", "--remote", server.url, "--push",
                                    "--store", i % 2 == 0 ? "shared" : "own\(i)", "--results", "results\(i)"],
                        environment: ["TOY_RUN_LOG": runLog])
        }
        for process in processes {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        for i in 0..<builders {
            let out = try String(contentsOf: cli.directory.appendingPathComponent("results\(i)/toy/out"), encoding: .utf8)
            #expect(out == Self.expected)
            #expect(try cli.toy("verify", "--store", i % 2 == 0 ? "shared" : "own\(i)").status == 0)
        }
        // Processes on one store never compute a key twice; separate stores may race.
        let runs = try String(contentsOfFile: runLog, encoding: .utf8).split(separator: "\n")
        #expect(runs.count >= 3 && runs.count <= 3 * ((builders + 1) / 2 + builders / 2))
        #expect(try server.integrityProblems().isEmpty)
        let fresh = try cli.toy("build", "toy", "--set", "millis=200", "--store", "fresh", "--remote", server.url)
        #expect(fresh.stderr.contains("5 stages: 0 ran, 5 cached"), "\(fresh.stderr)")
        FaultCounts.report("concurrent-\(builders)", ["concurrent-builders": builders, "stage-runs": runs.count,
                                                      "artifacts-lost": 0])
    }

    @Test func repeatedSigkillsDuringRemoteBuilds() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let kills = Int(ProcessInfo.processInfo.environment["PIPE_FAULT_KILLS"] ?? "") ?? 50
        // Seeded, so every run of the suite uses the same kill moments.
        var generator = SplitMix64(state: 0x5049_5045)
        var runs = 0, killed = 0, i = 0
        let started = Date()
        // Until `kills` builds really died by SIGKILL (some finish first), bounded to 4x rounds.
        while killed < kills && i < 4 * kills {
            defer { i += 1 }
            // A new text each round, so there is always work (a, ab, all) to interrupt.
            let arguments = ["build", "toy", "--set", "millis=60", "--set", "a.text=run\(i)",
                             "--remote", server.url, "--push"]
            let victim = cli.process("ToyPipe", arguments)
            victim.standardOutput = FileHandle.nullDevice
            victim.standardError = FileHandle.nullDevice
            try victim.run()
            runs += 1
            usleep(UInt32(10_000 + generator.next() % 160_000))
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
            // A build that finished before the signal was not killed: count only real kills.
            if victim.terminationReason == .uncaughtSignal { killed += 1 }
            let verify = try cli.toy("verify")
            #expect(verify.status == 0, "round \(i): \(verify.stdout)\(verify.stderr)")
            let resumed = try cli.toy(arguments)
            runs += 1
            #expect(resumed.status == 0, "round \(i): \(resumed.stderr)")
            #expect(try result(cli) == "run\(i)+beta gamma")
        }
        #expect(try server.integrityProblems().isEmpty)
        // Everything the killed and resumed builds pushed is usable from an empty store.
        #expect(killed == kills)
        let fresh = try cli.toy("build", "toy", "--set", "millis=60", "--set", "a.text=run\(i - 1)",
                                "--store", "fresh", "--remote", server.url)
        #expect(fresh.stderr.contains("5 stages: 0 ran, 5 cached"), "\(fresh.stderr)")
        FaultCounts.report("sigkill", ["runs": runs, "kills": killed, "seconds": Int(Date().timeIntervalSince(started)),
                                       "artifacts-lost": 0])
    }
}
