import ArgumentParser
import Foundation
import Pipeline

/// `--executor local|slurm` and the Slurm options of `pipe build`. Each is also read from the
/// environment and from `.pipe/executor.json` beside pipeline.swift; flags win over the
/// environment, which wins over the file.
struct ExecutorOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Where stages run: local (this process) or slurm (one batch job per stage) ($PIPE_EXECUTOR).",
        valueName: "local|slurm"))
    var executor: String?

    @Option(name: .long, help: ArgumentHelp("Slurm partition for the jobs ($PIPE_SLURM_PARTITION).", valueName: "name"))
    var partition: String?

    @Option(name: .long, help: ArgumentHelp("Slurm account charged for the jobs ($PIPE_SLURM_ACCOUNT).", valueName: "name"))
    var account: String?

    @Option(name: .long, help: ArgumentHelp("Slurm jobs queued or running at once (default 32; $PIPE_SLURM_MAX_JOBS).", valueName: "n"))
    var maxJobs: Int?

    @Option(name: .long, help: ArgumentHelp(
        "A store path local to each node: jobs pull inputs from --remote into it and push results back, no shared file system ($PIPE_SLURM_JOB_STORE).",
        valueName: "path"))
    var jobStore: String?

    @Option(name: .long, help: ArgumentHelp(
        "Resubmit a stage whose job the cluster lost (its node failed: NODE_FAIL, BOOT_FAIL; or preempted) up to n times, on a live node ($PIPE_SLURM_RETRIES; default 0).",
        valueName: "n"))
    var retries: Int?

    static let help = """
        On a Slurm cluster (--executor slurm), every stage that must run becomes
        one batch job running `pipe exec-stage` on a node; cached stages never
        reach the cluster. The store must be on a file system the nodes share
        (same path), and the pipe binary must be there too ($PIPE_SLURM_PIPE,
        default: this executable). Each stage kind declares what it needs
        (training: 2 cpus, 2 GB, 60 min; loading data, evaluation and figures
        run on the coordinator). Override per stage, kind, or all stages:
          --set slurm.teacher.e5.mem=8G --set slurm.train-teacher.time=90
          --set slurm.all.cpus=2 --set slurm.evaluate.run=cluster
        (fields: cpus, mem, time in minutes, gpus, run=cluster|coordinator).
        $PIPE_SLURM_POLL sets the seconds between squeue polls (default 5);
        $PIPE_SLURM_UNREACHABLE_TIMEOUT how long squeue and scontrol may keep
        failing before the stages they watch fail (seconds, default 300).
        Without a shared file system: --job-store /tmp/pipe-jobs --remote URL.
        Each job then opens that node-local store, pulls its inputs from the
        remote, runs the stage and pushes the result (credentials from the
        node's own $PIPE_REMOTE_* or ~/.netrc); the coordinator pulls it. The
        job's log stays on the node (<job store>/logs/slurm/), so its log and
        progress lines are shown only where the coordinator can read that path.
        A job lost with its node (NODE_FAIL after Slurm's SlurmdTimeout) fails
        its stage; with --retries N pipe resubmits it, up to N times, and Slurm
        places it on a live node. A stage that fails on its own is not retried.
        Settings in .pipe/executor.json: {"executor": "slurm", "partition":
        "gpu", "account": "lab", "maxJobs": 32, "poll": 5, "pipe": "/path",
        "unreachableTimeout": 300, "jobStore": "/tmp/pipe-jobs", "retries": 2, "resources":
        {"train-teacher": {"mem": "8G"}, "evaluate": {"run": "cluster"}}}
        (--set slurm.* wins over "resources").
        """

    /// The contents of `.pipe/executor.json`.
    struct File: Codable {
        var executor: String?
        var partition: String?
        var account: String?
        var maxJobs: Int?
        var poll: Double?
        var unreachableTimeout: Double?
        var pipe: String?
        var jobStore: String?
        var retries: Int?
        /// Stage, kind or "all" -> field -> value, as `--set slurm.<target>.<field>=VALUE` (which wins).
        var resources: [String: [String: String]]?
    }

    static func loadFile(in directory: URL) throws -> File {
        let url = directory.appendingPathComponent(".pipe/executor.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { return File() }
        do { return try JSONDecoder().decode(File.self, from: data) } catch {
            throw ValidationError("\(url.path) is not valid: \(error) (expected e.g. {\"executor\": \"slurm\", \"partition\": \"debug\"})")
        }
    }

    /// The executor chosen by flags, environment and file, and the jobs it runs at once
    /// (nil: the build's --jobs). `remote` is the location of the build's --remote (no
    /// credentials), which a job store needs.
    func resolve(session: Session, remote: String?) throws -> (StageExecutor, maxJobs: Int?) {
        let env = ProcessInfo.processInfo.environment
        let cwd = FileManager.default.currentDirectoryPath
        let file = try Self.loadFile(in: URL(fileURLWithPath: cwd))
        let kind = executor ?? env["PIPE_EXECUTOR"] ?? file.executor ?? "local"
        switch kind {
        case "local":
            return (LocalExecutor(), nil)
        case "slurm":
            /// Seconds > 0 from environment variable `name`, if set.
            func seconds(_ name: String) throws -> Double? {
                try env[name].map { text in
                    guard let seconds = Double(text), seconds > 0 else { throw ValidationError("\(name)=\(text): expected seconds > 0") }
                    return seconds
                }
            }
            let poll = try seconds("PIPE_SLURM_POLL") ?? file.poll ?? 5
            let unreachable = try seconds("PIPE_SLURM_UNREACHABLE_TIMEOUT") ?? file.unreachableTimeout ?? 300
            let maxJobs = try maxJobs ?? env["PIPE_SLURM_MAX_JOBS"].map { text in
                guard let n = Int(text), n >= 1 else { throw ValidationError("PIPE_SLURM_MAX_JOBS=\(text): expected a whole number >= 1") }
                return n
            } ?? file.maxJobs ?? 32
            guard maxJobs >= 1 else { throw ValidationError("--max-jobs must be at least 1") }
            var resources = session.resources
            for (target, fields) in file.resources ?? [:] {
                for (field, value) in fields {
                    do { try resources.addDefault(target: target, field: field, value: value) } catch {
                        throw ValidationError(".pipe/executor.json: resources of '\(target)': \(error)")
                    }
                }
            }
            let jobStore = jobStore ?? env["PIPE_SLURM_JOB_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? file.jobStore
            if let jobStore {
                guard remote != nil else {
                    throw ValidationError("--job-store \(jobStore) needs --remote NAME|URL: with a node-local job store, "
                        + "jobs get their inputs from the remote and publish their results there, "
                        + "since they share no file system with this coordinator")
                }
                guard jobStore.hasPrefix("/") else {
                    throw ValidationError("--job-store \(jobStore): expected an absolute path (as every node sees it)")
                }
            }
            let retries = try retries ?? env["PIPE_SLURM_RETRIES"].map { text in
                guard let n = Int(text), n >= 0 else { throw ValidationError("PIPE_SLURM_RETRIES=\(text): expected a whole number >= 0") }
                return n
            } ?? file.retries ?? 0
            guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
            var settings = SlurmSettings(
                partition: partition ?? env["PIPE_SLURM_PARTITION"] ?? file.partition,
                account: account ?? env["PIPE_SLURM_ACCOUNT"] ?? file.account,
                pollInterval: poll,
                executable: env["PIPE_SLURM_PIPE"] ?? file.pipe ?? Self.currentExecutable(),
                workingDirectory: cwd, settings: session.settings, resources: resources,
                jobStore: jobStore, remote: jobStore == nil ? nil : remote, unreachableTimeout: unreachable)
            settings.retries = retries
            return (SlurmExecutor(settings: settings), maxJobs)
        default:
            throw ValidationError("unknown executor '\(kind)': expected local or slurm")
        }
    }

    /// This process's executable, absolute (what the nodes run unless told otherwise).
    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
