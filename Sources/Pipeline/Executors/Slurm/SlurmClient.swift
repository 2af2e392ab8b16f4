import Foundation

/// Slurm's command-line clients (sbatch, squeue, scontrol, scancel), run as processes. They find
/// the cluster as a user's shell does: through SLURM_CONF or /etc/slurm.
struct SlurmClient: Sendable {
    /// Where the commands are; nil: on PATH. (Tests put fakes there.)
    var directory: String? = nil
    /// Seconds a command may take before it is killed and counts as failed: Slurm's clients
    /// retry on their own (a missing config for 60 s, slurmctld per MessageTimeout), so one
    /// still running after this is hung.
    var timeout: TimeInterval = 180

    /// A job's state as Slurm reports it, e.g. PENDING/Priority, RUNNING/None, TIMEOUT/TimeLimit.
    struct Status: Sendable, Equatable {
        var state: String
        var reason: String
        var isFinished: Bool { !Self.live.contains(state) }
        /// States after which a job may still run (or is running) its script.
        static let live: Set<String> = ["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED",
                                         "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING",
                                         "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD"]
    }

    /// A failed client command: what ran, its status, what it said.
    struct CommandFailed: Error, CustomStringConvertible {
        let command: String, status: Int32, output: String
        var description: String {
            let said = output.trimmingCharacters(in: .whitespacesAndNewlines)
            return "`\(command)` exited \(status)" + (said.isEmpty ? "" : ": \(said)")
                + (status == 127 ? " (are Slurm's client commands installed and on PATH?)" : "")
        }
        /// Slurm's answer for a job id it does not know (purged, or never existed).
        var isUnknownJob: Bool { status != 0 && output.contains("Invalid job id specified") }
    }

    /// Runs `tool` with `arguments`; stdout on success, CommandFailed otherwise.
    func run(_ tool: String, _ arguments: [String]) throws -> String {
        let path = directory.map { URL(fileURLWithPath: $0).appendingPathComponent(tool).path } ?? tool
        let result = try Subprocess.run([path] + arguments, timeout: timeout)
        guard result.status == 0 else {
            throw CommandFailed(command: ([tool] + arguments).joined(separator: " "), status: result.status,
                                output: result.stderr)
        }
        return result.stdout
    }

    /// Submits a batch job; returns its id.
    func submit(_ arguments: [String]) throws -> String {
        let out = try run("sbatch", ["--parsable"] + arguments)
        // --parsable prints "ID" or "ID;CLUSTER".
        let id = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw CommandFailed(command: "sbatch", status: 0, output: "unexpected output: \(out)")
        }
        return id
    }

    /// The states of `ids` in one squeue call (finished jobs too, while slurmctld remembers them);
    /// ids it does not list are absent.
    func statuses(of ids: [String]) throws -> [String: Status] {
        guard !ids.isEmpty else { return [:] }
        let out: String
        do {
            out = try run("squeue", ["--noheader", "--states=all", "--format=%i|%T|%r", "--jobs=" + ids.joined(separator: ",")])
        } catch let error as CommandFailed where error.isUnknownJob {
            // squeue fails when none of the ids is known any more (it lists the known ones of a
            // mix): that is an answer, not a failure; scontrol is asked about each.
            return [:]
        }
        var result: [String: Status] = [:]
        for line in out.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if fields.count >= 3 { result[fields[0]] = Status(state: fields[1], reason: fields[2]) }
        }
        return result
    }

    /// `scontrol show job`'s answer for one job squeue no longer lists; nil if Slurm forgot it.
    /// Throws when scontrol fails otherwise (slurmctld unreachable): that says nothing of the job.
    func show(_ id: String) throws -> Status? {
        let out: String
        do { out = try run("scontrol", ["show", "job", "-o", id]) } catch let error as CommandFailed where error.isUnknownJob {
            return nil
        }
        var fields: [String: String] = [:]
        for word in out.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if let eq = word.firstIndex(of: "=") { fields[String(word[..<eq])] = String(word[word.index(after: eq)...]) }
        }
        guard let state = fields["JobState"] else { return nil }
        return Status(state: state, reason: fields["Reason"] ?? "None")
    }

    /// The id of a queued or running job named `name` whose comment is `comment`, if any.
    func liveJob(name: String, comment: String) throws -> String? {
        let out = try run("squeue", ["--noheader", "--name=\(name)", "--format=%i|%T|%k"])
        for line in out.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if fields.count >= 3, fields[2] == comment, Status.live.contains(fields[1]) { return fields[0] }
        }
        return nil
    }

    func cancel(_ id: String) throws { _ = try run("scancel", [id]) }
}
