import ArgumentParser
import Cache
import Foundation
import Pipeline

/// `pipe runs TARGET`: every stored run of a target, its settings beside its metrics.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Every stored run of a target: the settings it was built with, its metrics, when it was built.",
        discussion: """
            `pipe build` and `pipe sweep` record, with each target they build, the settings
            given on the command line; a run is listed while its result is in the store
            (nothing is recomputed). Settings not given show their defaults. With --remote,
            the runs pushed there (`pipe push`, `pipe build --push`) are listed too: the
            results of those this store lacks are pulled (a target's metrics are small).

            Examples:
              pipe runs figure-baseline --sort student.aux.mean --descending
              pipe runs figure-baseline --where hidden=256 --csv
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The target (or stage).")
    var target: String

    @Option(name: .long, help: ArgumentHelp("Sort by this setting or metric (numbers numerically).", valueName: "column"))
    var sort: String?

    @Flag(name: .long, help: "Sort from the largest.")
    var descending = false

    @Option(name: .customLong("where"), help: ArgumentHelp("Only runs whose setting or metric KEY shows VALUE (repeatable).",
                                                           valueName: "key=value"))
    var filters: [String] = []

    @Flag(name: .long, help: "Print CSV instead of an aligned table.")
    var csv = false

    @OptionGroup var remoteOptions: RemoteOptions

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let stage = try session.pipeline.resolve(target)
            let store = try session.openStore()
            var runs = try store.runs(of: target)
            var from = runs.map { _ in "here" }
            if let spec = remoteOptions.remote {
                let cache = try RemoteOptions.cache(spec, store: store, push: false, verb: "pulled")
                let local = Set(runs.map { Self.identity($0.settings) })
                for run in try cache.remoteRuns(of: target) where !local.contains(Self.identity(run.settings)) {
                    guard try cache.pull(key: run.key) != nil else { continue }  // gone from the remote
                    runs.append(run)
                    from.append("remote")
                }
            }
            let defaults = Dictionary(session.pipeline.settings.map { ($0.key, $0.defaultValue) }) { a, _ in a }
            let keys = Set(runs.flatMap(\.settings.keys)).sorted()
            var metrics: [[String: Double]] = []
            var built: [String] = []
            let format = ISO8601DateFormatter()
            let records = try store.actions(for: runs.map(\.key))  // one read for every run
            for run in runs {
                let record = records[run.key]
                metrics.append(try record.map { try Metrics.read(stage: stage, outputs: $0.outputs, store: store) } ?? [:])
                built.append(record.map { format.string(from: $0.finished) } ?? "")
            }
            let names = Set(metrics.flatMap(\.keys)).sorted()
            let remote = remoteOptions.remote != nil
            var table = ResultTable(columns: keys + names + ["built", "key"] + (remote ? ["from"] : []), rows: runs.indices.map { i in
                keys.map { runs[i].settings[$0] ?? defaults[$0] ?? "" }
                    + names.map { metrics[i][$0].map(ResultTable.number) ?? "" }
                    + [built[i], String(runs[i].key.hex.prefix(12))] + (remote ? [from[i]] : [])
            })
            for filter in filters {
                let parts = filter.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let column = table.columns.firstIndex(of: parts[0]) else {
                    throw ValidationError("--where \(filter): give KEY=VALUE with KEY one of: \(table.columns.joined(separator: ", "))")
                }
                table.rows = table.rows.filter { $0[column] == parts[1] }
            }
            if let sort { try table.sort(by: sort, descending: descending) }
            if runs.isEmpty {
                Console.note("no stored runs of \(target) yet: `pipe build \(target)` or `pipe sweep \(target) --grid ...` records them")
            }
            print(csv ? table.csv : table.text, terminator: "")
        }
    }

    /// One run's settings as one comparable text.
    static func identity(_ settings: [String: String]) -> String {
        settings.keys.sorted().map { "\($0)=\(settings[$0]!)" }.joined(separator: "\n")
    }
}
