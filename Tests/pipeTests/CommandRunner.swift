import Foundation

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

    func process(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = CommandRunner.products.appendingPathComponent(executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["PIPE_STORE"] = directory.appendingPathComponent("store").path
        env.removeValue(forKey: "TERM")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        return process
    }

    @discardableResult
    func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let process = self.process(executable, arguments, environment: environment)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting, so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    func toy(_ arguments: String..., environment: [String: String] = [:]) throws -> Output {
        try run("ToyPipe", arguments, environment: environment)
    }

    func toy(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        try run("ToyPipe", arguments, environment: environment)
    }
}
