import Cache
import Foundation

/// What identifies a command's program and tools on this machine: the content digest of the
/// file argv[0] resolves to, and each tool's identity output. Resolved at most once per pipe
/// process for each program file and each tool command (a pipeline of 200 stages running
/// `python3` hashes it once).
enum CommandIdentity {
    /// A program as the key sees it.
    enum Program: Equatable, Sendable {
        /// A file found on PATH or by absolute path, by its content.
        case file(path: String, digest: Digest)
        /// A path inside the stage's directory: an input, whose digest is already in the key.
        case input(String)
        case missing(reason: String)

        /// The key's text: the digest alone, so caches are shared between machines that keep the
        /// same program in different places.
        var keyText: String {
            switch self {
            case let .file(_, digest): digest.hex
            case let .input(path): "input " + path
            case let .missing(reason): "missing: " + reason
            }
        }
    }

    /// A tool's identity output, or why it could not be had.
    enum ToolResult: Equatable, Sendable {
        case identity(String)
        case failed(String)

        var keyText: String {
            switch self {
            case let .identity(text): text
            case let .failed(reason): "unavailable: " + reason
            }
        }
    }

    private static let lock = NSLock()
    /// Held while a tool's identity command runs (it resolves its own program under `lock`).
    private static let toolLock = NSLock()
    nonisolated(unsafe) private static var programs: [String: (stamp: String, digest: Digest)] = [:]
    nonisolated(unsafe) private static var tools: [String: ToolResult] = [:]

    /// Resolves argv[0] as the command will: a path with "/" as given (relative ones are in the
    /// stage's directory, so they must be inputs), else the first executable file on `path`.
    static func program(_ name: String, path: String) -> Program {
        if name.contains("/") && !name.hasPrefix("/") {
            return .input(CommandPaths.normalized(name))
        }
        let candidates = name.hasPrefix("/") ? [name]
            : path.split(separator: ":").map { ($0.isEmpty ? "." : String($0)) + "/" + name }
        for candidate in candidates where access(candidate, X_OK) == 0 {
            var status = stat()
            guard stat(candidate, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
            let real = CommandRunner.realPath(candidate) ?? candidate
            let stamp = "\(status.st_dev):\(status.st_ino):\(status.st_size):\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
            if let known = lock.withLock({ programs[real] }), known.stamp == stamp {
                return .file(path: real, digest: known.digest)
            }
            guard let digest = try? Digest.ofFile(at: real) else { return .missing(reason: "\(real) cannot be read") }
            lock.withLock { programs[real] = (stamp, digest) }
            return .file(path: real, digest: digest)
        }
        return .missing(reason: name.hasPrefix("/") ? "\(name) is not an executable file"
                                                    : "'\(name)' is not an executable on PATH (\(path))")
    }

    /// The trimmed standard output of `tool.argv` run in `environment`, or its failure.
    static func tool(_ tool: CommandTool, environment: [String: String]) -> ToolResult {
        let cacheKey = (tool.argv + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
            .joined(separator: "\u{0}")
        return toolLock.withLock {
            if let known = tools[cacheKey] { return known }
            let result = run(tool, environment: environment)
            tools[cacheKey] = result
            return result
        }
    }

    private static func run(_ tool: CommandTool, environment: [String: String]) -> ToolResult {
        guard let first = tool.argv.first else { return .failed("its identity command is empty") }
        let program = program(first, path: environment["PATH"] ?? CommandEnvironment.defaultPath)
        guard case let .file(path, _) = program else {
            if case let .missing(reason) = program { return .failed(reason) }
            return .failed("its identity command must not be a path inside the stage")
        }
        do {
            let result = try Subprocess.run(tool.argv, exactEnvironment: environment, executable: path, timeout: 120)
            guard result.status == 0 else {
                let said = (result.stderr + result.stdout).split(separator: "\n").last.map(String.init) ?? ""
                return .failed("`\(tool.argv.joined(separator: " "))` exited with status \(result.status)"
                    + (said.isEmpty ? "" : ": \(said)"))
            }
            return .identity(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return .failed("\(error)")
        }
    }
}
