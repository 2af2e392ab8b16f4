import Foundation
import Pipeline
import Testing

/// Runs the built `pipe` and `ToyPipe` executables as a user would, in a scratch directory.
struct CommandRunner {
    struct Output { var status: Int32; var stdout: String; var stderr: String }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    /// The directory holding the products built with the tests.
    static let products: URL = {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("ToyPipe").path) }
            ?? candidates[0]
    }()

    /// The environment commands run with: ours, the scratch store, no TERM (plain output), then `extra`.
    func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["PIPE_STORE"] = directory.appendingPathComponent("store").path
        env.removeValue(forKey: "TERM")
        for (key, value) in extra { env[key] = value }
        return env
    }

    func process(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = CommandRunner.products.appendingPathComponent(executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = self.environment(environment)
        return process
    }

    /// Starts a built executable in the scratch directory, stdout and stderr on the descriptors
    /// `output` and `error`; its pid, for `CommandRunner.wait`.
    func spawn(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
               output: Int32, error: Int32) throws -> pid_t {
        try Subprocess.spawn([CommandRunner.products.appendingPathComponent(executable).path] + arguments,
                             environment: self.environment(environment), directory: directory.path,
                             output: output, error: error)
    }

    /// Waits for `pid`'s exit status (128 + signal if one ended it). After `timeout` seconds, or
    /// once the test is cancelled (its time limit passed), the command is killed and an issue
    /// recorded: a hung command fails its test instead of hanging the whole run. Polls waitpid,
    /// not Foundation's Process, whose waitUntilExit once spun forever on an exit it missed.
    static func wait(for pid: pid_t, timeout: TimeInterval, _ what: @autoclosure () -> String) -> Int32 {
        let started = Date()
        do {
            if let status = try Subprocess.wait(pid, deadline: started.addingTimeInterval(timeout),
                                                giveUp: { Task.isCancelled }) {
                return status
            }
        } catch {
            Issue.record("waiting for \(what()): \(error)")
            return -1
        }
        kill(pid, SIGKILL)
        let status = try? Subprocess.wait(pid)
        let why = Task.isCancelled ? " (the test's time limit passed)" : ""
        Issue.record("\(what()) still ran after \(Int(Date().timeIntervalSince(started))) s\(why): killed")
        return status ?? -1
    }

    /// Runs a built executable to completion (at most `timeout` seconds; see `wait`).
    @discardableResult
    func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
             timeout: TimeInterval = 20 * 60) throws -> Output {
        // Files, not pipes: a daemon that inherits them cannot keep a reader waiting for EOF.
        let out = try TemporaryFile(), err = try TemporaryFile()
        let pid = try spawn(executable, arguments, environment: environment,
                            output: out.handle.fileDescriptor, error: err.handle.fileDescriptor)
        let status = Self.wait(for: pid, timeout: timeout, "\(executable) \(arguments.joined(separator: " "))")
        return Output(status: status, stdout: out.contents, stderr: err.contents)
    }

    func toy(_ arguments: String..., environment: [String: String] = [:]) throws -> Output {
        try run("ToyPipe", arguments, environment: environment)
    }

    func toy(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        try run("ToyPipe", arguments, environment: environment)
    }
}
