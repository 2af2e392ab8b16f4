import Cache
import Foundation
import Testing
@testable import Pipeline

/// Command stages as declared: what is refused before anything runs, and what enters the key.
@Suite struct CommandDeclarationTests {
    func problem(_ command: Command) -> String? {
        let p = PipelineBuilder()
        p.stage("up", Emit.self, .init(text: "x"))
        p.command("c", command)
        do { _ = try p.finish(); return nil } catch { return "\(error)" }
    }

    @Test func declarationsThatCannotWorkAreRefusedWithTheirReason() {
        #expect(problem(Command([], outputs: ["o"]))?.contains("argv is empty") == true)
        #expect(problem(Command(["true"], outputs: []))?.contains("declares no outputs") == true)
        #expect(problem(Command(["true"], files: ["../secret"], outputs: ["o"]))?.contains("leaves the stage's directory") == true)
        #expect(problem(Command(["true"], outputs: ["/tmp/o"]))?.contains("is absolute") == true)
        #expect(problem(Command(["true"], files: ["data/"], outputs: ["data/x.txt"]))?
            .contains("output 'data/x.txt' overlaps input 'data'") == true)
        #expect(problem(Command(["true"], inputs: ["in": .output(stage: "up", name: "out")], outputs: ["in"]))?
            .contains("overlaps input") == true)
        #expect(problem(Command(["./run.sh"], outputs: ["o"]))?.contains("add it to files: [\"run.sh\"]") == true)
        #expect(problem(Command(["true"], outputs: ["o"], environment: ["1BAD": "x"]))?
            .contains("not a valid environment variable name") == true)
        #expect(problem(Command(["true"], outputs: ["o"], tools: [CommandTool("t", ["a"]), CommandTool("t", ["b"])]))?
            .contains("two tools have the same name") == true)
        #expect(problem(Command(["true"], files: ["run.sh"], outputs: ["o"])) == nil)
        #expect(problem(Command(["./run.sh"], files: ["run.sh"], outputs: ["o", "plots/"])) == nil)
    }

    @Test func aDirectoryOutputIsPlacedAtADirectoryPath() throws {
        let p = PipelineBuilder()
        let maker = p.command("maker", Command(["true"], outputs: ["plots/"]))
        p.command("user", Command(["true"], inputs: ["plots": maker["plots/"]], outputs: ["o"]))
        #expect(throws: PipelineError.self) { try p.finish() }
        let q = PipelineBuilder()
        let made = q.command("maker", Command(["true"], outputs: ["plots/"]))
        q.command("user", Command(["true"], inputs: ["figures/": made["plots/"]], outputs: ["o"]))
        #expect(try q.finish().stages.count == 2)
    }

    func key(_ command: Command) throws -> Digest {
        let p = PipelineBuilder()
        p.command("c", command)
        let stage = try p.finish().stage(named: "c")!
        return StageKey.compute(stage, inputs: [:])
    }

    @Test func theKeyCoversArgvEnvironmentOutputsAndToolsButNotTheName() throws {
        let base = try key(Command(["sh", "-c", "echo 1 > o"], outputs: ["o"]))
        #expect(try key(Command(["sh", "-c", "echo 1 > o"], outputs: ["o"])) == base)
        #expect(try key(Command(["sh", "-c", "echo 2 > o"], outputs: ["o"])) != base)
        #expect(try key(Command(["sh", "-c", "echo 1 > o"], outputs: ["o"], environment: ["A": "1"])) != base)
        #expect(try key(Command(["sh", "-c", "echo 1 > o"], outputs: ["o", "p"])) != base)
        let one = try key(Command(["sh", "-c", "echo 1 > o"], outputs: ["o"], tools: [CommandTool("v", ["echo", "1.0"])]))
        let two = try key(Command(["sh", "-c", "echo 1 > o"], outputs: ["o"], tools: [CommandTool("v", ["echo", "2.0"])]))
        #expect(one != base && two != one)
        // The stage's name is not in the key: two names for one computation share its result.
        let p = PipelineBuilder()
        p.command("first", Command(["sh", "-c", "echo 1 > o"], outputs: ["o"]))
        p.command("second", Command(["sh", "-c", "echo 1 > o"], outputs: ["o"]))
        let pipeline = try p.finish()
        #expect(StageKey.compute(pipeline.stage(named: "first")!, inputs: [:])
                == StageKey.compute(pipeline.stage(named: "second")!, inputs: [:]))
    }

    @Test func theProgramIsKeyedByItsContentNotItsPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-prog-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let program = directory.appendingPathComponent("tool").path
        try "#!/bin/sh\necho one\n".write(toFile: program, atomically: true, encoding: .utf8)
        chmod(program, 0o755)
        let first = CommandIdentity.program(program, path: "/usr/bin")
        try "#!/bin/sh\necho two\n".write(toFile: program, atomically: false, encoding: .utf8)
        let second = CommandIdentity.program(program, path: "/usr/bin")
        guard case let .file(path, digest) = second else { Issue.record("\(second)"); return }
        #expect(path == program)
        #expect(digest == (try Digest.ofFile(at: program)))
        #expect(first != second)
        #expect(CommandIdentity.program("sh", path: directory.path + ":/bin:/usr/bin") != .missing(reason: ""))
        if case .missing = CommandIdentity.program("pipe-no-such-program", path: "/bin") {} else { Issue.record("found?") }
        #expect(CommandIdentity.program("./run.sh", path: "/bin") == .input("run.sh"))
    }

    @Test func aFailingToolIsInTheKeyAsUnavailableAndFailsTheRunWithItsFix() throws {
        let result = CommandIdentity.tool(CommandTool("t", ["sh", "-c", "echo nope >&2; exit 4"]),
                                          environment: CommandEnvironment.variables(declared: [:], temporary: nil))
        #expect(result == .failed("`sh -c echo nope >&2; exit 4` exited with status 4: nope"))
        #expect("\(CommandError.toolUnavailable(tool: "torch", reason: "x", install: "python3 -m pip install torch"))"
                == "tool 'torch' is not available: x; install it: python3 -m pip install torch")
    }

    @Test func onlyTheMinimalSetAndDeclaredVariablesReachACommand() {
        let outer = ["PATH": "/p", "HOME": "/h", "LANG": "C.UTF-8", "SECRET": "s", "PYTHONHASHSEED": "random"]
        let variables = CommandEnvironment.variables(declared: ["MINE": "1"], temporary: "/t", from: outer)
        #expect(variables == ["PATH": "/p", "HOME": "/h", "LANG": "C.UTF-8", "MINE": "1", "TMPDIR": "/t",
                              "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"])
        #expect(CommandEnvironment.variables(declared: [:], temporary: nil, from: [:])["PATH"] == CommandEnvironment.defaultPath)
    }
}

/// How a command stage's rerun is explained.
@Suite struct CommandReasonTests {
    func params(argv: [String], env: [String: String] = [:], program: String = "p1",
                tools: [String: String] = [:], outputs: [String] = ["o"]) -> JSONValue {
        .object([
            "argv": .array(argv.map { .string($0) }),
            "environment": .object(env.mapValues { .string($0) }),
            "outputs": .array(outputs.map { .string($0) }),
            "program": .string(program),
            "runner": .string("1"),
            "tools": .object(tools.mapValues { .object(["command": .array([.string("x")]), "identity": .string($0)]) }),
        ])
    }

    @Test func eachPartOfTheKeyHasItsOwnReason() {
        let old = params(argv: ["python3", "cnn.py", "--epochs", "5"], env: ["A": "1"],
                         program: String(repeating: "a", count: 64),
                         tools: ["torch": "3.11.7\ntorch 2.15.0\nnumpy 2.4.6"])
        let new = params(argv: ["python3", "cnn.py", "--epochs", "10"], env: ["A": "2"],
                         program: String(repeating: "b", count: 64),
                         tools: ["torch": "3.11.7\ntorch 2.16.0\nnumpy 2.4.6"], outputs: ["o", "plots/"])
        let reasons = CommandReasons.differences(old: old, new: new, argv0: "python3").map(\.description)
        #expect(reasons == [
            "command changed: argument 3: 5 -> 10",
            "environment variable A changed: '1' -> '2'",
            "tool changed: python3 (sha256 aaaaaaaaaaaa -> sha256 bbbbbbbbbbbb)",
            "tool changed: torch (torch 2.15.0 -> torch 2.16.0)",
            "declared outputs changed: o -> o, plots/",
        ])
        #expect(CommandReasons.differences(old: old, new: old, argv0: "python3").isEmpty)
        let longer = CommandReasons.differences(old: params(argv: ["a"]), new: params(argv: ["a", "b"]), argv0: "a")
        #expect(longer.map(\.description) == ["command changed: a -> a b"])
    }

    @Test func progressLinesAreParsed() {
        #expect(CommandLog.progress("pipe-progress: 3/10 epoch")! == (3, 10, "epoch"))
        #expect(CommandLog.progress("pipe-progress: 1/4")! == (1, 4, "step"))
        #expect(CommandLog.progress("pipe-progress: x/4") == nil)
        #expect(CommandLog.progress("progress: 1/4") == nil)
    }
}
