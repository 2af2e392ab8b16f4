import Foundation
import Testing

/// The command line as a user meets it: messages, exit codes, output files, several processes.
@Suite struct CommandLineTests {
    @Test func buildThenNoOpThenStatus() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let first = try cli.toy("build", "toy")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "results/toy/out\n")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/toy/out"), encoding: .utf8)
                == "alpha+beta gamma")
        #expect(first.stderr.contains("5 stages: 5 ran, 0 cached"))
        let second = try cli.toy("build", "toy")
        #expect(second.stderr.contains("5 stages: 0 ran, 5 cached"))

        let status = try cli.toy("status", "toy", "--set", "a.text=omega")
        #expect(status.status == 0)
        #expect(status.stdout.contains("to-run  a    parameter text changed: \"alpha\" -> \"omega\""))
        #expect(status.stdout.contains("to-run  ab   waits for a (runs only if that produces different outputs)"))
        #expect(status.stdout.hasSuffix("5 stages: 2 cached, 3 to run\n"))
    }

    @Test func unknownTargetSuggestsAndFails() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let output = try cli.toy("build", "tyo")
        #expect(output.status == 1)
        #expect(output.stderr == "pipe: error: no target or stage named 'tyo' (did you mean 'toy'?); `pipe list` shows them all\n")
    }

    @Test func malformedAndUnknownSettings() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let malformed = try cli.toy("status", "--set", "millis")
        #expect(malformed.status == 1)
        #expect(malformed.stderr.contains("malformed --set 'millis': expected KEY=VALUE"))
        let unknown = try cli.toy("status", "--set", "milis=3")
        #expect(unknown.stderr.contains("--set milis: no such setting (did you mean 'millis'?)"))
        let badValue = try cli.toy("status", "--set", "millis=soon")
        #expect(badValue.stderr.contains("--set millis=soon: 'soon' is not a valid integer"))
    }

    @Test func failingStageNamesStageKeyAndLog() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let output = try cli.toy("build", "toy", "--set", "fail=true", "--keep-going")
        #expect(output.status == 1)
        #expect(output.stderr.contains("pipe: error: stage 'b' failed (key "))
        #expect(output.stderr.contains("toy failure requested by --set fail=true"))
        #expect(output.stderr.contains("log: "))
        // a and c finished and are kept; fixing the failure runs only what is missing.
        let fixed = try cli.toy("build", "toy")
        #expect(fixed.stderr.contains("5 stages: 3 ran, 2 cached"), "\(fixed.stderr)")
    }

    @Test func twoProcessesRunEachStageOnce() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let runLog = cli.directory.appendingPathComponent("runs.log").path
        let env = ["TOY_RUN_LOG": runLog]
        let one = cli.process("ToyPipe", ["build", "toy", "--set", "millis=300"], environment: env)
        let two = cli.process("ToyPipe", ["build", "toy", "--set", "millis=300"], environment: env)
        // stderr to files, so that a failure says why.
        let errors = [one, two].enumerated().map { cli.directory.appendingPathComponent("stderr\($0.offset)") }
        for (process, errorFile) in zip([one, two], errors) {
            FileManager.default.createFile(atPath: errorFile.path, contents: nil)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: errorFile)
            try process.run()
        }
        one.waitUntilExit(); two.waitUntilExit()
        let messages = try errors.map { try String(contentsOf: $0, encoding: .utf8) }
        #expect(one.terminationStatus == 0 && two.terminationStatus == 0, "\(messages)")
        let runs = try String(contentsOfFile: runLog, encoding: .utf8).split(separator: "\n")
        #expect(runs.sorted() == ["produce alpha", "produce beta", "produce gamma"])
    }

    @Test func sigkillMidStageLeavesAUsableStore() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        for delay: UInt32 in [150_000, 450_000, 750_000] {
            let victim = cli.process("ToyPipe", ["build", "toy", "--set", "millis=300", "--force", "c"])
            victim.standardOutput = FileHandle.nullDevice
            victim.standardError = FileHandle.nullDevice
            try victim.run()
            usleep(delay)
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
        }
        let verify = try cli.toy("verify")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let build = try cli.toy("build", "toy", "--set", "millis=300")
        #expect(build.status == 0, "\(build.stderr)")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/toy/out"), encoding: .utf8)
                == "alpha+beta gamma")
    }

    @Test func listShowDagAndJson() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let list = try cli.toy("list", "--settings")
        #expect(list.stdout.contains(/\n  toy +everything joined\n/), "\(list.stdout)")
        #expect(list.stdout.contains("millis = 50  <integer>"))
        let json = try cli.toy("list", "--json")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        // toy: 5, wide: 21, big: 5, hog: 1, sweep: 3; command stages: cmd*: 13, cmd-wide: 21, cmd-tree: 2, huge: 1
        #expect((parsed?["stages"] as? [Any])?.count == 72)
        let dag = try cli.toy("dag", "toy")
        #expect(dag.stdout.hasPrefix("all [toy-join]\n├── 1 <- out of ab [toy-join]\n"))
        let dot = try cli.toy("dag", "toy", "--dot")
        #expect(dot.stdout.contains("\"ab\" -> \"all\""))
        _ = try cli.toy("build", "toy")
        let show = try cli.toy("show", "ab")
        #expect(show.stdout.contains("stage     ab [toy-join]"))
        let log = try cli.toy("show", "a", "--log")
        #expect(log.stdout.contains("produced alpha"))
        let status = try cli.toy("status", "toy", "--json")
        let entries = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]]
        #expect(entries?.allSatisfy { $0["state"] as? String == "cached" } == true)
    }

    @Test func storeThatIsNotWritable() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let file = cli.directory.appendingPathComponent("a-file")
        try Data().write(to: file)
        let output = try cli.toy("build", "toy", "--store", file.appendingPathComponent("store").path)
        #expect(output.status == 1)
        #expect(output.stderr.hasPrefix("pipe: error: "))
        #expect(output.stderr.contains(file.path))
    }
}
