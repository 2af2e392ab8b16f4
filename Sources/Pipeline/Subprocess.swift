import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command to completion with posix_spawn and a blocking waitpid on its pid.
///
/// Not Foundation's `Process`: on Linux its `waitUntilExit` relies on a SIGCHLD monitor, and we
/// saw it miss an exit (the child left a zombie while the caller spun at 100% CPU forever) when
/// the command started daemons. Output goes to temporary files rather than pipes, so daemons
/// that inherit the descriptors cannot keep a reader waiting for end-of-file.
public enum Subprocess {
    /// What a finished command left.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `arguments[0]` (found on PATH) with stdin from /dev/null; `environment` adds to or
    /// replaces this process's variables.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        precondition(!arguments.isEmpty, "Subprocess.run needs a command")
        let out = try OutputFile(), err = try OutputFile()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out.fd, 1)
        posix_spawn_file_actions_adddup2(&actions, err.fd, 2)
        // Nothing else of ours (pipes of other children, the store's files) leaks into the
        // command, or into daemons it starts.
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }

        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
        guard spawned == 0 else {
            return Result(status: 127, stdout: "",
                          stderr: "\(arguments[0]): cannot run it: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw CocoaError(.fileReadUnknown) }
        }
        // WIFEXITED / WEXITSTATUS, and 128 + signal as a shell reports it.
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exit, stdout: try out.contents(), stderr: try err.contents())
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc module does
    /// not declare.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// An unlinked temporary file the child writes to and we read back.
    private final class OutputFile {
        let fd: Int32

        init() throws {
            var template = Array((NSTemporaryDirectory() + "/pipe-subprocess-XXXXXX").utf8CString)
            fd = mkstemp(&template)
            guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
            unlink(String(cString: template))
        }

        deinit { close(fd) }

        func contents() throws -> String {
            lseek(fd, 0, SEEK_SET)
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                data.append(contentsOf: buffer[0..<count])
            }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
