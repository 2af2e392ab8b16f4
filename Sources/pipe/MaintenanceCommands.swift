import ArgumentParser
import Foundation
import Pipeline

struct InvalidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invalidate",
        abstract: "Forget a stage's stored result so the next build runs it again.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The stage.")
    var stage: String

    @Flag(name: .long, help: "Also forget every stage that depends on it (otherwise an identical rerun would keep them).")
    var downstream = false

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let forgotten = try Invalidation.invalidate(stage, downstream: downstream, pipeline: session.pipeline,
                                                        store: try session.openStore())
            print(forgotten.isEmpty ? "nothing to forget: '\(stage)' has no stored result at its current key"
                  : "forgot: " + forgotten.joined(separator: ", "))
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Reproducibility audit: rerun a stored stage in a scratch area and compare its outputs bit for bit.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The stage (or target).")
    var stage: String

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let display: ProgressDisplay = Console.isTerminal ? LiveDisplay() : PlainDisplay()
            let comparisons = try ReproducibilityCheck.run(stage, pipeline: session.pipeline,
                                                           store: try session.openStore(), observer: display)
            display.finish()
            for comparison in comparisons { print(comparison.description) }
            if comparisons.contains(where: { !$0.identical }) {
                throw CheckFailure(stage: stage)
            }
            print("reproducible: every output of '\(stage)' is bit-identical")
        }
    }

    struct CheckFailure: Error, CustomStringConvertible {
        let stage: String
        var description: String { "'\(stage)' is not reproducible: a rerun gave different outputs (above)" }
    }
}

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete blobs no stored result refers to; with --keep-size, first drop the least recently used results.",
        discussion: """
            Also removes the scratch directories of killed builds and the working directories kept \
            for failed command stages (logs/<stage>-<key>.failed/; a store keeps the newest \(FailedDirectories.limit)).
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Keep at most this much (e.g. 500M, 10G).", valueName: "size"))
    var keepSize: String?

    @Flag(name: .long, help: "Report what would be deleted, delete nothing.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("""
        Keep blobs no result names yet if they were stored this recently (e.g. 0, 30m, 2h): \
        a build running meanwhile may be about to record the result that names them.
        """, valueName: "duration"))
    var grace = "1h"

    func validate() throws {
        if let keepSize, ByteCount.parse(keepSize) == nil {
            throw ValidationError("--keep-size: '\(keepSize)' is not a size (examples: 500M, 10G, 123456)")
        }
        if DurationText.seconds(grace) == nil {
            throw ValidationError("--grace: '\(grace)' is not a duration (examples: 0, 90s, 30m, 2h, 1d)")
        }
    }

    func run() throws {
        try reportingErrors {
            let store = try Session(global).openStore()
            let report = try store.gc(keepBytes: keepSize.flatMap(ByteCount.parse), dryRun: dryRun,
                                      grace: DurationText.seconds(grace)!)
            let scratch = StageScratch.sweep(store, dryRun: dryRun)
            let verb = dryRun ? "would remove" : "removed"
            print("\(verb) \(report.removedBlobs) blobs (\(ByteCount.text(report.removedBytes))) and \(report.removedActions) results; "
                  + "kept \(report.keptBlobs) blobs (\(ByteCount.text(report.keptBytes)))"
                  + (report.recentBlobs > 0 ? ", \(report.recentBlobs) of them unnamed but newer than --grace \(grace)" : ""))
            if scratch > 0 { print("\(verb) \(scratch) scratch directories left by killed builds") }
            let failed = FailedDirectories.prune(store, keeping: 0, dryRun: dryRun)
            if failed > 0 { print("\(verb) \(failed) failed stages' kept directories (logs/*.failed/)") }
        }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash every blob in the store; quarantine corrupt ones so they are recomputed.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingErrors {
            let store = try Session(global).openStore()
            let report = try store.verify()
            print("checked \(report.checked) blobs (\(ByteCount.text(report.bytes)))")
            for digest in report.corrupt { print("corrupt, quarantined: \(digest.hex)") }
            for digest in report.missing { print("missing: \(digest.hex)") }
            if !report.corrupt.isEmpty || !report.missing.isEmpty {
                print("the results that used them will be recomputed by the next build")
                throw ExitCode.failure
            }
            print("store is healthy")
        }
    }
}
