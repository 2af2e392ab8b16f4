import ArgumentParser
import Cache
import Dispatch
import Foundation
import Pipeline

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build targets (or stages) and everything they need, reusing stored results.",
        discussion: """
            Each target's outputs are copied to <results>/<target>/ (default
            ./results) and their paths printed. Stage logs are kept in the store
            (`pipe show STAGE --log`). Ctrl-C stops the build; finished stages stay
            stored (with --executor slurm it also cancels the jobs it submitted).

            \(ExecutorOptions.help)
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Targets or stages to build (`pipe list` shows them).")
    var targets: [String]

    @Flag(name: .long, help: "Show what would run and why, and run nothing.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("Rerun this stage even if its result is stored (repeatable).", valueName: "stage"))
    var force: [String] = []

    @Flag(name: .long, help: "After a stage fails, go on with the stages that do not need it.")
    var keepGoing = false

    @Option(name: [.short, .long], help: "Stages to run at once (ML stages already use both cores).")
    var jobs = 1

    @Option(name: .long, help: ArgumentHelp("Where built targets' files are copied.", valueName: "dir"))
    var results = "results"

    @OptionGroup var remoteOptions: RemoteOptions

    @OptionGroup var executorOptions: ExecutorOptions

    @Flag(name: .long, help: "With --remote: upload each stage's result to the remote after it is built, and the stored results it reuses that the remote lacks.")
    var push = false

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if push && remoteOptions.remote == nil { throw ValidationError("--push needs --remote NAME|URL") }
    }

    func run() throws {
        try reportingErrors {
            let session = try Session(global, needs: targets + force)
            for name in force { _ = try session.pipeline.resolve(name) }
            let store = try session.openStore()
            let forced = Set(try force.map { try session.pipeline.resolve($0).name })
            if dryRun {
                let plan = try Planner.plan(session.pipeline, targets: targets, index: store, force: forced)
                StatusPrinter.print(plan, verbose: false)
                return
            }
            let display: ProgressDisplay = Console.isTerminal ? LiveDisplay() : PlainDisplay()
            let remote = try remoteOptions.remote.map {
                try RemoteOptions.loadConfig().resolve($0, attempts: RemoteOptions.attempts)
            }
            let (executor, maxJobs) = try executorOptions.resolve(session: session, remote: remote?.location)
            // Jobs with a node-local store read their inputs from the remote: everything this
            // build finds or builds itself is written through, so the jobs below it find it there.
            let throughRemote = (executor as? SlurmExecutor)?.settings.jobStore != nil
            let writes = push || throughRemote
            let cache = remote.map {
                RemoteOptions.cache($0, store: store, push: writes, verb: writes ? "transferred" : "pulled")
            }
            let builder = Builder(pipeline: session.pipeline, store: store, executor: executor, observer: display,
                                  options: BuildOptions(jobs: maxJobs ?? jobs, keepGoing: keepGoing, force: forced,
                                                        remote: cache))
            let interrupts = Interrupts { builder.cancel() }
            let started = Date()
            let report = try builder.build(targets)
            interrupts.stop()
            display.finish()
            let resultsURL = URL(fileURLWithPath: results, isDirectory: true)
            for name in targets {
                let stage = try session.pipeline.resolve(name)
                guard let result = report.results[stage.name] else { continue }
                do {
                    try store.recordRun(RunRecord(target: name, settings: session.settings, key: result.key))
                    if push, let cache { try cache.pushRuns(of: name) }
                } catch {
                    Console.warn("could not record the run of \(name) for `pipe runs`: \(error)")
                }
                let files = try ResultFiles.materialize(target: name, outputs: result.outputs, store: store,
                                                        results: resultsURL)
                for file in files { print(relativePath(file) + (file.hasDirectoryPath ? "/" : "")) }
            }
            let seconds = Date().timeIntervalSince(started)
            let summary = "\(report.outcomes.count) stages: \(report.ranCount) ran, \(report.cachedCount) cached"
                + (report.errors.isEmpty ? "" : ", \(report.errors.count) failed")
                + String(format: " (%.2f s)", seconds)
            if let progress = cache?.progress, progress.blobs > 0 {
                FileHandle.standardError.write(Data("pipe: remote: \(progress.summary)\n".utf8))
            }
            if let slurm = executor as? SlurmExecutor {
                FileHandle.standardError.write(Data("pipe: slurm: \(slurm.summary)\n".utf8))
            }
            FileHandle.standardError.write(Data("pipe: \(summary)\n".utf8))
            if report.cancelled { throw BuildError.cancelled }
            if let first = report.errors.first {
                for error in report.errors.dropFirst() { Console.error("\(error)") }
                throw first
            }
        }
    }

    private func relativePath(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path
    }
}

/// First SIGINT/SIGTERM: stop the build cleanly; second: exit at once.
final class Interrupts: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private var count = 0

    init(announce: Bool = true, _ onInterrupt: @escaping @Sendable () -> Void) {
        for signo in [SIGINT, SIGTERM] {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler { [self] in
                count += 1
                if count > 1 { exit(130) }
                if announce { Console.warn("stopping: waiting for running stages to notice (Ctrl-C again to quit now)") }
                onInterrupt()
            }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        sources.forEach { $0.cancel() }
        for signo in [SIGINT, SIGTERM] { signal(signo, SIG_DFL) }
    }
}
