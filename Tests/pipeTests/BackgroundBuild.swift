import Foundation
import Pipeline

/// A coordinator (`ToyPipe build ... --executor slurm`) running in the background, its standard
/// error in a file the test reads while it runs.
final class BackgroundBuild {
    let pid: pid_t
    let stderr: TemporaryFile
    private var status: Int32?

    init(_ cli: CommandRunner, _ arguments: [String], environment: [String: String]) throws {
        stderr = try TemporaryFile()
        let null = open("/dev/null", O_WRONLY)
        defer { close(null) }
        pid = try cli.spawn("ToyPipe", arguments, environment: environment, output: null,
                            error: stderr.handle.fileDescriptor)
    }

    /// A test that failed before waiting must not leave its coordinator, or the jobs it
    /// submitted, to the next test: SIGINT cancels them, SIGKILL follows if that is not enough.
    deinit {
        guard status == nil else { return }
        kill(pid, SIGINT)
        let exited = try? Subprocess.wait(pid, deadline: Date().addingTimeInterval(30))
        if exited == nil {
            kill(pid, SIGKILL)
            _ = try? Subprocess.wait(pid)
        }
    }

    func signal(_ signo: Int32) { kill(pid, signo) }

    /// The id of the job submitted for `stage`, once the coordinator printed it (nil after `timeout`).
    func job(of stage: String, timeout: TimeInterval = 30) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, !Task.isCancelled {
            if let job = Self.submittedJob(of: stage, in: stderr.contents) { return job }
            usleep(50_000)
        }
        return nil
    }

    /// The id of the job a coordinator's plain output says it submitted for `stage`.
    static func submittedJob(of stage: String, in output: String) -> String? {
        for line in output.split(separator: "\n") {
            guard let range = line.range(of: "] \(stage): job ") else { continue }
            let rest = line[range.upperBound...]
            if rest.contains(" submitted") { return String(rest.prefix(while: \.isNumber)) }
        }
        return nil
    }

    /// Waits until the coordinator's output has a line containing `text` (false after `timeout`).
    func waitForOutput(_ text: String, timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, !Task.isCancelled {
            if stderr.contents.contains(text) { return true }
            usleep(50_000)
        }
        return false
    }

    /// Its exit status (128 + signal if one ended it); after `timeout` seconds, or once the test
    /// is cancelled, it is killed and an issue recorded (see `CommandRunner.wait`).
    func wait(timeout: TimeInterval = 5 * 60) -> Int32 {
        if let status { return status }
        let status = CommandRunner.wait(for: pid, timeout: timeout, "coordinator \(pid)")
        self.status = status
        return status
    }
}
