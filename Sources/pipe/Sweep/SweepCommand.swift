import ArgumentParser
import Cache
import Foundation
import Pipeline

/// `pipe sweep TARGET --grid KEY=V1,V2 ...`: a target at every point of a grid, shared stages once.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Build a target at every point of a grid of settings (shared stages once) and tabulate its metrics.",
        discussion: """
            Every combination of the --grid values is a point. The points' stages are merged:
            a stage whose inputs agree between points (the data, a shared teacher) is built
            once, and the union is built as one build (-j stages at once). Stopping a sweep and
            running it again resumes it, since finished stages are stored. A failed point does
            not stop the others (unless --stop-on-failure); the table marks it with its error.

            The table has a row per point: its grid values, the target's metrics (outputs its
            stage declares as metrics) and its status. It is printed, and written as CSV to
            <results>/<target>/sweep.csv (or --table FILE), with a figure beside it (sweep.svg:
            --metric against the first axis, a line per value of the others, 95% bars from its
            .ci95) and, for a grid of two axes, a heat map of the same metric (sweep-heatmap.svg). Every built point is recorded for
            `pipe runs TARGET`. With --executor slurm each stage of the union is a job, and
            the whole frontier of the grid is queued at once. With --remote, results stored
            there are reused; with --push as well, every stage's result goes to the remote and
            so do the points' runs (`pipe runs TARGET --remote R` lists them elsewhere).

            \(ExecutorOptions.help)

            Example:
              pipe sweep figure-baseline --grid lr=1e-4,3e-4,1e-3 --grid hidden=128,256 --set models=5
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The target (or stage) to build at every point.")
    var target: String

    @Option(name: .long, help: ArgumentHelp("A setting and its values (repeatable; every combination is a point).",
                                            valueName: "key=v1,v2,..."))
    var grid: [String] = []

    @Flag(name: .long, help: "Show the points and what they need, and build nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Stop at the first failure instead of finishing the other points.")
    var stopOnFailure = false

    @Option(name: [.short, .long], help: "Stages to run at once (ML stages already use both cores).")
    var jobs = 1

    @Option(name: .long, help: ArgumentHelp("Where the results go (the table: <results>/<target>/sweep.csv).", valueName: "dir"))
    var results = "results"

    @Option(name: .long, help: ArgumentHelp("Write the table (CSV) here instead (the figure beside it, .svg).",
                                            valueName: "file"))
    var table: String?

    @Option(name: .long, help: ArgumentHelp("The metric of the figure (default: the first one named *.mean).",
                                            valueName: "name"))
    var metric: String?

    @OptionGroup var remoteOptions: RemoteOptions

    @OptionGroup var executorOptions: ExecutorOptions

    @Flag(name: .long, help: "With --remote: upload each stage's result and every point's run to the remote.")
    var push = false

    func validate() throws {
        if grid.isEmpty { throw ValidationError("give at least one --grid KEY=V1,V2,... (e.g. --grid lr=1e-4,3e-4)") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if push && remoteOptions.remote == nil { throw ValidationError("--push needs --remote NAME|URL") }
    }

    func run() throws {
        try reportingErrors {
            let session = try Session(global, needs: [target])
            let grid = try SweepGrid.parse(self.grid)
            for axis in grid.axes where session.settings[axis.key] != nil {
                throw ValidationError("'\(axis.key)' is both --set and a --grid axis; keep one")
            }
            let sweep = try Sweep.make(target: target, base: session.settings, grid: grid, define: PipeMain.define)
            let store = try session.openStore()
            let stages = sweep.points.map(\.stage).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let plan = try Planner.plan(sweep.pipeline, targets: stages, index: store)
            let saving = sweep.separately > 0 ? 100 * Double(sweep.separately - sweep.together) / Double(sweep.separately) : 0
            Console.note("sweep of \(target): \(sweep.points.count) points; \(sweep.together) stages in all, against "
                + "\(sweep.separately) built one point at a time (\(String(format: "%.0f", saving))% fewer); "
                + "\(plan.toRun.count) to run, \(sweep.together - plan.toRun.count) stored")
            if dryRun {
                let rows = sweep.points.map { point in
                    grid.axes.map { point.values[$0.key] ?? "" } + ["\(point.stages)", point.stage]
                }
                print(ResultTable(columns: grid.axes.map(\.key) + ["stages", "target stage"], rows: rows).text, terminator: "")
                return
            }
            let display: ProgressDisplay = Console.isTerminal ? LiveDisplay() : PlainDisplay()
            let remote = try remoteOptions.remote.map {
                try RemoteOptions.loadConfig().resolve($0, attempts: RemoteOptions.attempts)
            }
            let (executor, maxJobs) = try executorOptions.resolve(session: session, remote: remote?.location)
            // As in `pipe build`: jobs with a node-local store read their inputs through the remote.
            let writes = push || (executor as? SlurmExecutor)?.settings.jobStore != nil
            let cache = remote.map {
                RemoteOptions.cache($0, store: store, push: writes, verb: writes ? "transferred" : "pulled")
            }
            let builder = Builder(pipeline: sweep.pipeline, store: store, executor: executor, observer: display,
                                  options: BuildOptions(jobs: maxJobs ?? jobs, keepGoing: !stopOnFailure, remote: cache))
            let interrupts = Interrupts { builder.cancel() }
            let report = try builder.build(stages)
            interrupts.stop()
            display.finish()

            let (table, metrics) = try tabulate(sweep, report: report, store: store)
            if push, let cache {
                do { try cache.pushRuns(of: target) } catch { Console.warn("could not push the runs of \(target): \(error)") }
            }
            if let progress = cache?.progress, progress.blobs > 0 { Console.note("remote: \(progress.summary)") }
            print(table.text, terminator: "")
            let url = URL(fileURLWithPath: self.table ?? "\(results)/\(target)/sweep.csv")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(table.csv.utf8).write(to: url, options: .atomic)
            let names = Set(metrics.flatMap(\.keys)).sorted()
            if let metric, !names.contains(metric), !names.isEmpty {
                Console.warn("no metric '\(metric)' to draw; the metrics are: \(names.joined(separator: ", "))")
            }
            let drawn = metric ?? names.first { $0.hasSuffix(".mean") } ?? names.first
            let drawnRows = zip(sweep.points, metrics).map { ($0.values, $1) }
            if let drawn, let figure = SweepFigure(metric: drawn, axes: grid.axes, rows: drawnRows, target: target) {
                try Data(figure.svg.utf8).write(to: url.deletingPathExtension().appendingPathExtension("svg"), options: .atomic)
            }
            if let drawn, let map = SweepHeatmap(metric: drawn, axes: grid.axes, rows: drawnRows, target: target) {
                let name = url.deletingPathExtension().lastPathComponent + "-heatmap.svg"
                try Data(map.svg.utf8).write(to: url.deletingLastPathComponent().appendingPathComponent(name), options: .atomic)
            }
            let failed = sweep.points.filter { report.results[$0.stage] == nil }.count
            if let slurm = executor as? SlurmExecutor { Console.note("slurm: \(slurm.summary)") }
            Console.note("\(report.outcomes.count) stages: \(report.ranCount) ran, \(report.cachedCount) cached"
                + (failed > 0 ? "; \(failed) of \(sweep.points.count) points failed" : "") + "; table: \(url.path)")
            if report.cancelled { throw BuildError.cancelled }
            if failed > 0 { throw ExitCode.failure }
        }
    }

    /// One row per point: its grid values, its target's metrics, its status. Built points are
    /// recorded for `pipe runs`.
    private func tabulate(_ sweep: Sweep, report: BuildReport, store: ArtifactStore) throws
        -> (ResultTable, [[String: Double]]) {
        var metrics: [[String: Double]] = []
        var statuses: [String] = []
        for point in sweep.points {
            guard let result = report.results[point.stage], let stage = sweep.pipeline.stage(named: point.stage) else {
                metrics.append([:])
                statuses.append(Self.status(report.outcomes[point.stage]))
                continue
            }
            try store.recordRun(RunRecord(target: target, settings: point.settings, key: result.key))
            do {
                metrics.append(try Metrics.read(stage: stage, outputs: result.outputs, store: store))
                statuses.append("ok")
            } catch {
                metrics.append([:])
                statuses.append("built; \(error)")
            }
        }
        let names = Set(metrics.flatMap(\.keys)).sorted()
        let rows = sweep.points.indices.map { i in
            sweep.grid.axes.map { sweep.points[i].values[$0.key] ?? "" }
                + names.map { metrics[i][$0].map(ResultTable.number) ?? "" } + [statuses[i]]
        }
        return (ResultTable(columns: sweep.grid.axes.map(\.key) + names + ["status"], rows: rows), metrics)
    }

    /// A failure in one cell: its first line, shortened, and where its log is.
    static func brief(_ message: String) -> String {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var first = lines.first ?? ""
        if first.count > 100 { first = first.prefix(97) + "..." }
        let log = lines.first { $0.hasPrefix("log: ") }
        return first + (log.map { " (\($0))" } ?? "")
    }

    static func status(_ outcome: BuildReport.Outcome?) -> String {
        switch outcome {
        case let .failed(message)?: "failed: " + brief(message)
        case let .skipped(because)?: "not built: " + because
        default: "not built (the sweep stopped first)"
        }
    }
}
