import Cache
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs one command stage in its scratch directory: places the inputs, runs the program in a
/// process group of its own with the stage's environment, streams its output to the log, and
/// hands the declared outputs to the engine, which stores them only after all of this succeeded.
///
/// Processes are ours (posix_spawn through `Subprocess`), not swift-subprocess's: the engine
/// runs stages on plain threads and needs a process group, an exact environment, closed
/// descriptors and a kill of the group on cancel, which Subprocess.spawn already does
/// synchronously; swift-subprocess is async-only and would need bridging on every stage thread.
struct CommandRunner {
    let command: Command
    /// The declared variables (fixed and passed-through), as in the key.
    let environment: [String: String]
    /// How long a cancelled command gets between SIGTERM and SIGKILL.
    static let terminationGrace: TimeInterval = 5

    func run(_ context: StageContext) throws {
        let variables = CommandEnvironment.variables(
            declared: environment, temporary: context.scratch.appendingPathComponent("tmp").path)
        for tool in command.tools {
            if case let .failed(reason) = CommandIdentity.tool(tool, environment: CommandEnvironment.variables(
                declared: environment, temporary: nil)) {
                throw CommandError.toolUnavailable(tool: tool.name, reason: reason, install: tool.install)
            }
        }
        let executable: String
        switch CommandIdentity.program(command.argv[0], path: variables["PATH"] ?? CommandEnvironment.defaultPath) {
        case let .file(path, _): executable = path
        case .input: executable = command.argv[0]  // relative to the stage's directory, where it runs
        case let .missing(reason): throw CommandError.programMissing(reason)
        }

        OrphanedCommands.stop(beside: context.scratch)
        let work = context.scratch.appendingPathComponent("work", isDirectory: true)
        let temporary = context.scratch.appendingPathComponent("tmp", isDirectory: true)
        for directory in [work, temporary] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        defer { InputPlacement.makeRemovable(work) }
        context.keptOnFailure = work
        for (name, ref) in command.allInputs.sorted(by: { $0.key < $1.key }) {
            if context.isCancelled { throw CancellationError() }
            try InputPlacement.place(name, ref: ref, in: work, context: context)
        }

        let log = CommandLog(context: context)
        let status = try execute(executable: executable, variables: variables, in: work, log: log, context: context)
        if context.isCancelled { throw CancellationError() }
        guard status == 0 else {
            throw CommandError.exited(command: Self.shown(command.argv), status: status, tail: log.tail)
        }
        try collectOutputs(work: work, scratch: context.scratch, log: log, context: context)
    }

    /// Runs the program to its end (or until the build is cancelled); returns its wait status.
    private func execute(executable: String, variables: [String: String], in work: URL, log: CommandLog,
                         context: StageContext) throws -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 else {
            throw CommandError.cannotStart(command: Self.shown(command.argv), reason: String(cString: strerror(errno)))
        }
        let (reader, writer) = (fds[0], fds[1])
        defer { close(reader) }
        let pid: pid_t
        do {
            pid = try Subprocess.spawn(command.argv, environment: variables, directory: work.path, executable: executable,
                                       processGroup: true, output: writer, error: writer)
        } catch {
            close(writer)
            throw CommandError.cannotStart(command: Self.shown(command.argv), reason: "\(error)")
        }
        close(writer)
        // So a later build can stop this command's processes if pipe is killed before they end.
        OrphanedCommands.record(group: pid, in: context.scratch)
        context.log("$ " + Self.shown(command.argv))

        var endOfOutput = false
        var exitedAt: Date?
        var terminatedAt: Date?
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            if !endOfOutput {
                var poller = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 100) > 0 {
                    let count = read(reader, &buffer, buffer.count)
                    if count > 0 {
                        buffer.withUnsafeBytes { log.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                    } else if count == 0 || errno != EINTR {
                        endOfOutput = true
                    }
                }
            } else {
                usleep(20_000)
            }
            if exitedAt == nil, Subprocess.hasExited(pid) { exitedAt = Date() }
            if let exitedAt {
                // Processes it left behind may hold the output open: give them a moment, then
                // stop them. The leader is reaped only after the kill: until then its pid cannot
                // be reused, so the kill cannot reach another program's group.
                if endOfOutput || Date().timeIntervalSince(exitedAt) > 1 {
                    log.finish()
                    kill(-pid, SIGKILL)
                    return try Subprocess.wait(pid) ?? 128 + SIGKILL
                }
                continue
            }
            if context.isCancelled {
                if terminatedAt == nil {
                    kill(-pid, SIGTERM)
                    terminatedAt = Date()
                } else if Date().timeIntervalSince(terminatedAt!) > Self.terminationGrace {
                    kill(-pid, SIGKILL)
                }
            }
        }
    }

    /// Hands each declared output to the engine: a regular file as itself, a directory as a
    /// tree archive; a missing one, one of the wrong kind or one resolving outside `work` fails.
    private func collectOutputs(work: URL, scratch: URL, log: CommandLog, context: StageContext) throws {
        let root = Self.realPath(work.path) ?? work.path
        for (index, output) in command.outputs.sorted().enumerated() {
            let url = work.appendingPathComponent(CommandPaths.normalized(output))
            var status = stat()
            guard lstat(url.path, &status) == 0 else {
                let found = (FileManager.default.enumerator(atPath: work.path)?.allObjects as? [String] ?? []).sorted()
                throw CommandError.missingOutput(path: output, found: found, tail: log.tail)
            }
            guard let real = Self.realPath(url.path) else {
                // A link to nothing, or a loop: as good as missing, and said so.
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? "?"
                throw CommandError.outputEscapes(path: output, target: "\(target) (\(String(cString: strerror(errno))))")
            }
            guard real != root else { throw CommandError.outputKind(path: output, expected: "directory of its own") }
            guard real.hasPrefix(root + "/") else { throw CommandError.outputEscapes(path: output, target: real) }
            let isDirectory = InputPlacement.isDirectory(real)
            if Stage.isDirectory(output: output) {
                guard isDirectory else { throw CommandError.outputKind(path: output, expected: "directory") }
                let archive = scratch.appendingPathComponent("output-\(index).tar")
                do {
                    try TreeArchive.write(directory: URL(fileURLWithPath: real), to: archive, root: URL(fileURLWithPath: root))
                } catch {
                    throw CommandError.outputTree(path: output, reason: "\(error)")
                }
                context.write(output, file: archive)
            } else {
                guard !isDirectory, (status.st_mode & S_IFMT) == S_IFREG || (status.st_mode & S_IFMT) == S_IFLNK else {
                    throw CommandError.outputKind(path: output, expected: "regular file")
                }
                context.write(output, file: URL(fileURLWithPath: real))
            }
        }
    }

    /// `path` with every symlink resolved, or nil when one leads nowhere (errno says why).
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// An argv as one line a person could paste into a shell.
    static func shown(_ argv: [String]) -> String {
        argv.map { word in
            word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }) && !word.isEmpty
                ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
