import Foundation
import Pipeline
import Testing

/// The small project ToyPipe's command stages run over (`defineCommandStages` in
/// Tests/ToyPipe/main.swift), written into a fresh scratch directory with its own store; ToyPipe
/// runs there with an exact environment, and the commands it starts can be found by their argv.
struct CommandProject {
    let cli: CommandRunner
    var directory: URL { cli.directory }

    /// cmd.upper: upper-cases data/words.txt and alpha.txt (cmd.alpha's output) with `--suffix`,
    /// reports the variables it sees, and writes a directory output (report/).
    static let upperScript = """
        import argparse, os, pathlib
        ap = argparse.ArgumentParser(); ap.add_argument("--suffix"); a = ap.parse_args()
        words = pathlib.Path("data/words.txt").read_text().split()
        alpha = pathlib.Path("alpha.txt").read_text()
        pathlib.Path("upper.txt").write_text(" ".join(w.upper() + a.suffix for w in words + [alpha]) + "\\n")
        pathlib.Path("env.txt").write_text("\\n".join(f"{k}={os.environ.get(k)}" for k in ["TOY_MODE", "TOY_PASSED", "TOY_SECRET", "PYTHONHASHSEED"]) + "\\n")
        os.makedirs("report/sub", exist_ok=True)
        pathlib.Path("report/n.txt").write_text(str(len(words)))
        pathlib.Path("report/sub/first.txt").write_text(words[0])
        print("upper-cased", len(words), "words")

        """

    /// cmd.slow: `slow.py SECONDS [quiet] [--runlog PATH]` works for SECONDS in 20 steps, printing
    /// progress unless quiet; with --runlog it appends "start PID" first and "end PID" last to PATH.
    static let slowScript = """
        import os, sys, time
        args = sys.argv[1:]
        n = float(args[0]); steps = 20; quiet = "quiet" in args[1:]
        log = args[args.index("--runlog") + 1] if "--runlog" in args else None
        def note(word):
            if log:
                with open(log, "a") as f: f.write(f"{word} {os.getpid()}\\n")
        note("start")
        for i in range(steps):
            time.sleep(n / steps)
            if not quiet: print(f"pipe-progress: {i+1}/{steps} tick", flush=True)
        open("done.txt", "w").write("done")
        note("end")

        """

    static let words = "one two three\n"

    /// What cmd.upper writes to env.txt with nothing declared changed: TOY_SECRET never reaches it.
    static func envText(mode: String = "plain", passed: String? = nil) -> String {
        "TOY_MODE=\(mode)\nTOY_PASSED=\(passed ?? "None")\nTOY_SECRET=None\nPYTHONHASHSEED=0\n"
    }

    init() throws {
        cli = try CommandRunner()
        do {
            try write("scripts/upper.py", Self.upperScript)
            try write("scripts/slow.py", Self.slowScript)
            try write("data/words.txt", Self.words)
        } catch {
            cli.cleanUp()
            throw error
        }
    }

    func cleanUp() { cli.cleanUp() }

    func url(_ path: String) -> URL { directory.appendingPathComponent(path) }

    /// Writes a project file (its directories created).
    func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(at: url(path).deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url(path))
    }

    func append(_ path: String, _ text: String) throws { try write(path, (read(path) ?? "") + text) }

    /// A file's text, or nil if it cannot be read.
    func read(_ path: String) -> String? { try? String(contentsOf: url(path), encoding: .utf8) }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: url(path).path) }

    /// Variables of the tests' own environment that the toy stages look at: removed from every
    /// run unless a test sets them, so what the runner's shell exports cannot change a result.
    static let toyVariables = ["TOY_MODE", "TOY_PASSED", "TOY_SECRET", "TOY_RUN_LOG"]

    func environment(_ extra: [String: String]) -> [String: String] {
        var env = cli.environment([:])
        for name in Self.toyVariables { env.removeValue(forKey: name) }
        env.merge(extra) { $1 }
        return env
    }

    /// Starts ToyPipe in the project directory, its output to the descriptors given.
    func spawn(_ arguments: [String], environment: [String: String] = [:], output: Int32, error: Int32) throws -> pid_t {
        try Subprocess.spawn([CommandRunner.products.appendingPathComponent("ToyPipe").path] + arguments,
                             environment: self.environment(environment), directory: directory.path,
                             output: output, error: error)
    }

    /// Runs ToyPipe to its end (killed, and an issue recorded, after `timeout` seconds).
    @discardableResult
    func toy(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws
        -> CommandRunner.Output {
        let out = try TemporaryFile(), err = try TemporaryFile()
        let pid = try spawn(arguments, environment: environment, output: out.handle.fileDescriptor,
                            error: err.handle.fileDescriptor)
        let status = CommandRunner.wait(for: pid, timeout: timeout, "ToyPipe \(arguments.joined(separator: " "))")
        return CommandRunner.Output(status: status, stdout: out.contents, stderr: err.contents)
    }

    @discardableResult
    func toy(_ arguments: String..., environment: [String: String] = [:]) throws -> CommandRunner.Output {
        try toy(arguments, environment: environment)
    }

    /// Starts ToyPipe in the background.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningToy {
        try RunningToy(self, arguments, environment: environment)
    }

    /// One stage of `status --json`.
    struct StageStatus: Decodable, Equatable {
        var stage: String
        var state: String
        var key: String?
        var reasons: [String]
        var lastRunFailed: Bool?
    }

    /// `status --json ARGUMENTS` by stage name (an issue is recorded if it fails).
    func status(_ arguments: [String], environment: [String: String] = [:]) throws -> [String: StageStatus] {
        let output = try toy(["status", "--json"] + arguments, environment: environment)
        guard output.status == 0 else {
            Issue.record("status --json \(arguments) exited \(output.status): \(output.stderr)")
            return [:]
        }
        let entries = try JSONDecoder().decode([StageStatus].self, from: Data(output.stdout.utf8))
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.stage, $0) })
    }

    /// The stages a build's plain output says it started.
    static func started(_ output: CommandRunner.Output) -> Set<String> {
        var names = Set<String>()
        for line in output.stderr.split(separator: "\n") {
            guard let close = line.firstIndex(of: "]"), let range = line.range(of: ": started (") else { continue }
            let name = line[line.index(close, offsetBy: 2)..<range.lowerBound]
            names.insert(String(name))
        }
        return names
    }

    /// Every file under the store's blobs/ (relative paths): what results were stored.
    func storedBlobs(_ store: String = "store") -> Set<String> {
        let blobs = url(store).appendingPathComponent("blobs")
        let paths = (try? FileManager.default.subpathsOfDirectory(atPath: blobs.path)) ?? []
        return Set(paths.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: blobs.appendingPathComponent(path).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        })
    }

    /// The lines of a run log written by slow.py ("start PID", "end PID").
    func runlog(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

/// A ToyPipe running in the background, its standard error in a file read while it runs;
/// killed if the test ends without waiting for it.
final class RunningToy {
    let pid: pid_t
    let stdout: TemporaryFile
    let stderr: TemporaryFile
    let arguments: [String]
    private(set) var status: Int32?

    init(_ project: CommandProject, _ arguments: [String], environment: [String: String]) throws {
        stdout = try TemporaryFile()
        stderr = try TemporaryFile()
        self.arguments = arguments
        pid = try project.spawn(arguments, environment: environment, output: stdout.handle.fileDescriptor,
                                error: stderr.handle.fileDescriptor)
    }

    deinit {
        guard status == nil else { return }
        kill(pid, SIGKILL)
        _ = try? Subprocess.wait(pid)
    }

    func signal(_ signo: Int32) { kill(pid, signo) }

    /// Its exit status (128 + signal); killed, with an issue recorded, after `timeout` seconds.
    @discardableResult
    func wait(timeout: TimeInterval = 60) -> Int32 {
        if let status { return status }
        let status = CommandRunner.wait(for: pid, timeout: timeout, "ToyPipe \(arguments.joined(separator: " "))")
        self.status = status
        return status
    }

    var output: CommandRunner.Output {
        CommandRunner.Output(status: status ?? -1, stdout: stdout.contents, stderr: stderr.contents)
    }
}

/// Processes found through /proc, for checking that no command outlives the pipe that ran it.
enum Processes {
    /// Live processes (not zombies) whose argv holds every word of `words` as a whole argument.
    static func matching(_ words: [String]) -> [pid_t] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.filter { pid in
            guard isAlive(pid), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let argv = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            return words.allSatisfy(argv.contains)
        }.sorted()
    }

    /// Whether `pid` exists and is not a zombie (a killed orphan nobody reaped yet counts as gone).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
        return state != "Z" && state != "X"
    }

    /// Waits until `condition` holds (true) or `timeout` seconds pass (false).
    static func waitUntil(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !Task.isCancelled {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
