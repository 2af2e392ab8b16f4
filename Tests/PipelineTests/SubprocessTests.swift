import Foundation
import Pipeline
import Testing

struct SubprocessTests {
    @Test func statusAndBothOutputs() throws {
        let result = try Subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
    }

    @Test func environmentIsAddedAndStdinIsEmpty() throws {
        let result = try Subprocess.run(["sh", "-c", "cat; echo \"$PIPE_SUBPROCESS_TEST\""],
                                        environment: ["PIPE_SUBPROCESS_TEST": "seen"])
        #expect(result.status == 0 && result.stdout == "seen\n")
    }

    @Test func signalAndMissingCommandAreReportedAsAShellWould() throws {
        #expect(try Subprocess.run(["sh", "-c", "kill -9 $$"]).status == 128 + 9)
        let missing = try Subprocess.run(["pipe-no-such-command"])
        #expect(missing.status == 127 && missing.stderr.contains("cannot run it"))
    }
}

/// What tests and the Slurm client need beyond a plain run: timeouts, waiting without blocking,
/// a child in another directory with exactly the given environment and clean signal state.
struct SubprocessControlTests {
    @Test func aCommandPastItsTimeoutIsKilled() throws {
        let started = Date()
        let result = try Subprocess.run(["sh", "-c", "echo started; exec sleep 30"], timeout: 0.5)
        #expect(result.timedOut && result.status == 128 + 9)
        #expect(result.stdout == "started\n" && result.stderr.contains("killed after"))
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try Subprocess.run(["true"], timeout: 30).timedOut == false)
    }

    @Test func spawnRunsInItsDirectoryWithExactlyItsEnvironment() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-spawn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("out")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let pid = try Subprocess.spawn(["/bin/sh", "-c", "pwd; echo \"$ONLY\" \"${HOME-unset}\"; echo err >&2"],
                                       environment: ["ONLY": "this"], directory: directory.path,
                                       output: handle.fileDescriptor, error: handle.fileDescriptor)
        #expect(try Subprocess.wait(pid) == 0)
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text == "\(directory.resolvingSymlinksInPath().path)\nthis unset\nerr\n" || text == "\(directory.path)\nthis unset\nerr\n",
                "\(text)")
    }

    @Test func waitWithADeadlineLeavesARunningChildToTheCaller() throws {
        let null = open("/dev/null", O_WRONLY)
        defer { close(null) }
        let pid = try Subprocess.spawn(["sleep", "30"], environment: ProcessInfo.processInfo.environment,
                                       output: null, error: null)
        #expect(try Subprocess.wait(pid, deadline: Date().addingTimeInterval(0.2)) == nil)
        #expect(try Subprocess.wait(pid, giveUp: { true }) == nil)
        kill(pid, SIGTERM)
        #expect(try Subprocess.wait(pid, deadline: Date().addingTimeInterval(30)) == 128 + SIGTERM)
    }

    /// hasExited sees the exit without reaping: the status is still there for wait afterwards.
    @Test func hasExitedLeavesTheChildToBeReaped() throws {
        let null = open("/dev/null", O_WRONLY)
        defer { close(null) }
        let pid = try Subprocess.spawn(["sh", "-c", "read line; exit 3"], environment: ProcessInfo.processInfo.environment,
                                       output: null, error: null)   // stdin is /dev/null: read ends at once
        for _ in 0..<3000 where !Subprocess.hasExited(pid) { usleep(10_000) }
        #expect(Subprocess.hasExited(pid))
        #expect(Subprocess.hasExited(pid))   // asking again still does not reap it
        #expect(try Subprocess.wait(pid) == 3)
        let running = try Subprocess.spawn(["sleep", "30"], environment: ProcessInfo.processInfo.environment,
                                           output: null, error: null)
        #expect(!Subprocess.hasExited(running))
        kill(running, SIGKILL)
        #expect(try Subprocess.wait(running) == 128 + SIGKILL)
    }

    /// A child spawned from a thread that blocks SIGINT and SIGTERM (as dispatch's threads do)
    /// still starts with nothing blocked or ignored, so it can be interrupted.
    @Test func childrenStartWithCleanSignalState() throws {
        var block = sigset_t(), previous = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGINT)
        sigaddset(&block, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let result = try Subprocess.run(["sh", "-c", "grep -E '^Sig(Blk|Ign):' /proc/self/status"])
        var masks: [String: UInt64] = [:]
        for line in result.stdout.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            if fields.count == 2 { masks[String(fields[0])] = UInt64(fields[1], radix: 16) }
        }
        #expect(masks["SigBlk:"] == 0, "\(result.stdout)")
        // Signals 1-31 (bit n-1 for signal n); glibc keeps its own real-time ones (32, 33) as it likes.
        #expect(masks["SigIgn:"].map { $0 & 0x7fff_ffff } == 0, "\(result.stdout)")
    }
}
