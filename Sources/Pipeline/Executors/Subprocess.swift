import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command with posix_spawn and waits for it with waitpid on its pid.
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
        /// It ran past its timeout and was killed (its status is then 128 + SIGKILL).
        public var timedOut = false
    }

    /// A command that could not be started.
    public struct CannotRun: Error, CustomStringConvertible {
        public let command: String, reason: String
        public var description: String { "\(command): cannot run it: \(reason)" }
    }

    /// Runs `arguments[0]` (found on PATH) with stdin from /dev/null; `environment` adds to or
    /// replaces this process's variables. With `timeout` (seconds), a command still running then
    /// is killed with SIGKILL: a hung client must not hang its caller.
    /// With `exactEnvironment`, the command gets exactly those variables instead; with
    /// `executable`, that file runs and `arguments[0]` is only its name.
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           exactEnvironment: [String: String]? = nil, executable: String? = nil,
                           timeout: TimeInterval? = nil) throws -> Result {
        precondition(!arguments.isEmpty, "Subprocess.run needs a command")
        let out = try OutputFile(), err = try OutputFile()
        var variables = exactEnvironment ?? ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        let pid: pid_t
        do {
            pid = try spawn(arguments, environment: variables, executable: executable, output: out.fd, error: err.fd)
        } catch let error as CannotRun {
            return Result(status: 127, stdout: "", stderr: "\(error)")
        }
        var timedOut = false
        var status = try wait(pid, deadline: timeout.map { Date().addingTimeInterval($0) })
        if status == nil {
            timedOut = true
            kill(pid, SIGKILL)
            status = try wait(pid)
        }
        var stderr = try err.contents()
        if timedOut { stderr += "\n(killed after \(Int(timeout ?? 0)) s without an answer)" }
        return Result(status: status ?? 128 + SIGKILL, stdout: try out.contents(), stderr: stderr, timedOut: timedOut)
    }

    /// Starts `arguments[0]` (found on PATH) with exactly `environment`, in `directory` (nil:
    /// this process's), stdin from /dev/null, stdout and stderr on the descriptors `output` and
    /// `error`; returns its pid, for `wait`. It starts with default signal handling and nothing
    /// blocked, as from a shell: the caller's thread may block signals (dispatch's threads do),
    /// and a child inheriting that could not be stopped with SIGINT or SIGTERM.
    /// With `executable`, that file runs (no PATH search) and `arguments[0]` is only its name;
    /// with `processGroup`, the command leads a process group of its own (pgid = its pid), so
    /// `kill(-pid, …)` reaches everything it started and a terminal's Ctrl-C reaches only pipe.
    public static func spawn(_ arguments: [String], environment: [String: String], directory: String? = nil,
                             executable: String? = nil, processGroup: Bool = false,
                             output: Int32, error: Int32) throws -> pid_t {
        precondition(!arguments.isEmpty, "Subprocess.spawn needs a command")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, error, 2)
        // Nothing else of ours (pipes of other children, the store's files) leaks into the
        // command, or into daemons it starts.
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }
        if let directory {
            guard let addChdir else {
                throw CannotRun(command: arguments[0], reason: "this C library cannot start a command in another directory")
            }
            _ = directory.withCString { addChdir(&actions, $0) }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if processGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = executable.map { posix_spawn(&pid, $0, &actions, &attributes, argv, envp) }
            ?? posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw CannotRun(command: arguments[0], reason: String(cString: strerror(spawned))) }
        return pid
    }

    /// Whether `pid` has exited, without reaping it: until it is reaped its pid, and so its
    /// process group's id, cannot be reused, so `kill(-pid, …)` still reaches only its group.
    public static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == -1 {
            if errno != EINTR { return true }   // not our child (any more): nothing to wait for
        }
        return info.si_signo == SIGCHLD   // left zeroed while it runs
    }

    /// Waits for `pid` to exit and reaps it; its status as a shell reports it (128 + signal).
    /// Blocks in waitpid, or, with `deadline` or `giveUp`, polls it (no SIGCHLD involved either
    /// way) and returns nil, the command still running and not reaped, once the deadline has
    /// passed or `giveUp` answers true.
    public static func wait(_ pid: pid_t, deadline: Date? = nil, giveUp: (() -> Bool)? = nil) throws -> Int32? {
        var status: Int32 = 0
        let polling = deadline != nil || giveUp != nil
        var pause: useconds_t = 1_000
        while true {
            let reaped = waitpid(pid, &status, polling ? WNOHANG : 0)
            if reaped == pid { break }
            if reaped == -1 {
                guard errno == EINTR else { throw CannotRun(command: "waitpid \(pid)", reason: String(cString: strerror(errno))) }
                continue
            }
            if let deadline, Date() >= deadline { return nil }
            if let giveUp, giveUp() { return nil }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
        // WIFEXITED / WEXITSTATUS, and 128 + signal as a shell reports it.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+) and addchdir_np (2.29+), which
    /// Swift's Glibc module does not declare.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addChdir: AddChdir? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }

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
