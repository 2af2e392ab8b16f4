import Foundation
import Pipeline
import Testing

/// `pipe init` as a researcher meets it: a new package depending on this checkout by path, built
/// by its own scripts/pipe, rebuilt only where an edit reaches. The project compiles pipe's
/// dependencies afresh (debug, a few minutes on 2 cores); nothing else in the suite does.
@Suite struct InitProjectTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `argv` in `directory` to completion; TERM unset, so pipe prints plain lines.
    func run(_ argv: [String], in directory: URL, environment extra: [String: String] = [:],
             timeout: TimeInterval = 60) throws -> CommandRunner.Output {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "TERM")
        environment.removeValue(forKey: "PIPE_STORE")
        for (key, value) in extra { environment[key] = value }
        let out = try TemporaryFile(), err = try TemporaryFile()
        let pid = try Subprocess.spawn(argv, environment: environment, directory: directory.path,
                                       output: out.handle.fileDescriptor, error: err.handle.fileDescriptor)
        let status = CommandRunner.wait(for: pid, timeout: timeout, argv.joined(separator: " "))
        return CommandRunner.Output(status: status, stdout: out.contents, stderr: err.contents)
    }

    func statuses(_ output: CommandRunner.Output) throws -> [String: CommandProject.StageStatus] {
        let entries = try JSONDecoder().decode([CommandProject.StageStatus].self, from: Data(output.stdout.utf8))
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.stage, $0) })
    }

    func append(_ text: String, to file: URL) throws {
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    @Test func initRefusesADirectoryThatHoldsAnything() throws {
        let cli = try CommandRunner()
        defer { cli.cleanUp() }
        let occupied = cli.directory.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: occupied.appendingPathComponent("notes.txt"))
        let refused = try cli.run("pipe", ["init", occupied.path, "--pipe-path", Self.repository.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is not empty (it holds notes.txt)"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: occupied.path) == ["notes.txt"])

        let notPipe = try cli.run("pipe", ["init", cli.directory.appendingPathComponent("new").path,
                                           "--pipe-path", cli.directory.path])
        #expect(notPipe.status != 0 && notPipe.stderr.contains("is not a checkout of pipe"), "\(notPipe.stderr)")

        // A directory holding only .git (git init first, then pipe init) is taken.
        let repository = cli.directory.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repository.appendingPathComponent(".git"), withIntermediateDirectories: true)
        let taken = try cli.run("pipe", ["init", repository.path, "--pipe-path", Self.repository.path])
        #expect(taken.status == 0, "\(taken.stderr)")
        #expect(FileManager.default.fileExists(atPath: repository.appendingPathComponent("Sources/Experiments/pipeline.swift").path))
        let manifest = try String(contentsOf: repository.appendingPathComponent("Package.swift"), encoding: .utf8)
        let identity = Self.repository.lastPathComponent.lowercased()
        #expect(manifest.contains(".package(path: \"\(Self.repository.path)\")"))
        #expect(manifest.contains("package: \"\(identity)\""), "products are named by the checkout's identity")
    }

    @Test(.timeLimit(.minutes(30)))
    func aNewProjectBuildsThenRerunsOnlyWhatAnEditReaches() throws {
        let cli = try CommandRunner()
        defer { cli.cleanUp() }
        let project = cli.directory.appendingPathComponent("study")
        let made = try cli.run("pipe", ["init", project.path, "--pipe-path", Self.repository.path])
        try #require(made.status == 0, "\(made.stderr)")
        #expect(made.stdout == project.path + "\n")
        let debug = ["PIPE_CONFIGURATION": "debug"]
        let runner = project.appendingPathComponent("scripts/pipe").path

        // First run: the runner builds the project (pipe's dependencies included), then the target.
        let first = try run([runner, "build", "fit"], in: project, environment: debug, timeout: 25 * 60)
        try #require(first.status == 0, "\(first.stderr.suffix(3000))")
        #expect(first.stderr.contains("Compiling"), "the first run builds")
        #expect(!first.stdout.contains("Compiling") && !first.stdout.contains("Build complete"),
                "standard output is pipe's alone: \(first.stdout.prefix(500))")
        #expect(CommandProject.started(first) == ["points", "fit"])
        let fit = try JSONSerialization.jsonObject(with: Data(contentsOf: project.appendingPathComponent("results/fit/fit.json")))
            as? [String: Double]
        #expect(fit?["points"] == 1000)
        #expect(abs((fit?["slope"] ?? 0) - 2.5) < 0.05, "the fit recovers the slope: \(String(describing: fit))")

        // Nothing changed: no compile, no stage.
        let again = try run([runner, "build", "fit"], in: project, environment: debug)
        #expect(again.status == 0)
        #expect(!again.stderr.contains("Compiling") && !again.stderr.contains("Build complete"), "\(again.stderr)")
        #expect(CommandProject.started(again).isEmpty, "\(again.stderr)")

        // The command stage's script changes: only that stage reruns.
        try append("# edited\n", to: project.appendingPathComponent("scripts/fit.py"))
        let scriptStatus = try statuses(try run([runner, "status", "fit", "--json"], in: project, environment: debug))
        #expect(scriptStatus["points"]?.state == "cached")
        #expect(scriptStatus["fit"]?.reasons == ["input 'scripts/fit.py' changed"])
        let script = try run([runner, "build", "fit"], in: project, environment: debug)
        #expect(script.status == 0)
        #expect(CommandProject.started(script) == ["fit"], "\(script.stderr)")

        // The Swift stage kind's source changes: the runner recompiles, only its stage reruns, and
        // the command stage below it stays cached because the points come out the same.
        try append("// edited\n", to: project.appendingPathComponent("Sources/StageKinds/MakePoints.swift"))
        let kindStatus = try statuses(try run([runner, "status", "fit", "--json"], in: project, environment: debug,
                                              timeout: 10 * 60))
        #expect(kindStatus["points"]?.reasons == ["code changed: Sources/StageKinds/MakePoints.swift"])
        let kind = try run([runner, "build", "fit"], in: project, environment: debug)
        #expect(kind.status == 0)
        #expect(CommandProject.started(kind) == ["points"], "\(kind.stderr)")

        // The project's own test, in the runner's build environment (its debug build is shared).
        let swift = try #require(ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
            .map { "\($0)/swift" }.first { FileManager.default.isExecutableFile(atPath: $0) })
        let path = URL(fileURLWithPath: swift).deletingLastPathComponent().path + ":/usr/local/bin:/usr/bin:/bin"
        let tests = try run(["/usr/bin/env", "-i", "HOME=\(NSHomeDirectory())", "PATH=\(path)", swift, "test"],
                            in: project, timeout: 10 * 60)
        #expect(tests.status == 0, "\(tests.stdout.suffix(2000)) \(tests.stderr.suffix(2000))")
    }
}
