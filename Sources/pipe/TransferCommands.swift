import ArgumentParser
import Cache
import Foundation
import Pipeline

/// `pipe push TARGET`: uploads a target's whole closure (every stage result it needs).
struct PushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Upload the stored results of a target and everything it needs to a remote.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var remoteOptions: RemoteOptions
    @Argument(help: "Targets or stages.") var targets: [String]

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let store = try session.openStore()
            let cache = try RemoteOptions.cache(try remoteOptions.required(), store: store, push: true, verb: "pushed")
            let plan = try Planner.plan(session.pipeline, targets: targets, index: store)
            let records = plan.steps.compactMap { step -> ActionRecord? in
                if case let .cached(record) = step.decision { return record } else { return nil }
            }
            // One call: the blobs of all stages share the transfers in flight.
            try cache.push(records)
            let pushed = records.count
            FileHandle.standardError.write(Data("pipe: remote: \(cache.progress!.summary)\n".utf8))
            print("pushed \(pushed) results to \(cache.remote.location)")
            // The runs of each target go with its results, for `pipe runs TARGET --remote`.
            for target in targets where plan.toRun.isEmpty {
                print("the remote lists \(try cache.pushRuns(of: target)) runs of \(target)")
            }
            let missing = plan.toRun.map(\.stage.name)
            if !missing.isEmpty { throw RemoteError.notBuilt(stages: missing) }
        }
    }
}

/// `pipe pull TARGET`: downloads a target's closure, so a build of it runs nothing.
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download the results of a target and everything it needs from a remote (verified).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var remoteOptions: RemoteOptions
    @Argument(help: "Targets or stages.") var targets: [String]

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let store = try session.openStore()
            let cache = try RemoteOptions.cache(try remoteOptions.required(), store: store, push: false, verb: "pulled")
            // Keys depend on upstream outputs' digests, which the remote's /ac/ entries name:
            // planning through an index that reads them on a local miss walks the closure in
            // order; then all the blobs it needs come down together, several at once.
            let index = PullingIndex(store: store, cache: cache)
            let plan = try Planner.plan(session.pipeline, targets: targets, index: index)
            let stored = Set(try cache.pull(index.found.records).map(\.key))
            var lost: [String] = []
            for step in plan.steps {
                guard case .cached = step.decision, let key = step.key else { continue }
                if try store.action(for: key) == nil && !stored.contains(key) { lost.append(step.stage.name); continue }
                try store.setHead(stage: step.stage.name, key: key)
            }
            FileHandle.standardError.write(Data("pipe: remote: \(cache.progress!.summary)\n".utf8))
            let missing = plan.toRun.map(\.stage.name) + lost
            print("\(plan.steps.count - missing.count) of \(plan.steps.count) results present locally"
                  + (missing.isEmpty ? "" : "; not on the remote: \(missing.joined(separator: ", "))"))
        }
    }
}

/// A store that looks on a remote on a local miss: how `pipe pull` plans. The results it
/// finds there are only read (their blobs fetched after planning, all at once): `found`.
struct PullingIndex: ResultIndex {
    let store: ArtifactStore
    let cache: RemoteCache
    let found = FoundResults()

    /// The remote results planning used, in the order it asked for them.
    final class FoundResults {
        var records: [ActionRecord] = []
        var byKey: [Digest: ActionRecord] = [:]
    }

    func action(for key: Digest) throws -> ActionRecord? {
        if let local = try store.action(for: key) { return local }
        if let remote = found.byKey[key] { return remote }
        guard let remote = try cache.remoteResult(key: key) else { return nil }
        found.records.append(remote)
        found.byKey[key] = remote
        return remote
    }
    func heads() throws -> [String: Digest] { try store.heads() }
    func lastAction(ofStage stage: String) throws -> ActionRecord? { try store.lastAction(ofStage: stage) }
    func contentDigest(at path: URL) throws -> Digest { try store.contentDigest(at: path) }
}

/// `pipe export TARGET -o bundle.tar.zst`: a target's closure in one file.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the stored results of a target and everything it needs to a bundle (.tar.zst).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Targets or stages.") var targets: [String]
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The bundle to write.", valueName: "file"))
    var output: String

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let store = try session.openStore()
            let plan = try Planner.plan(session.pipeline, targets: targets, index: store)
            let missing = plan.toRun.map(\.stage.name)
            if !missing.isEmpty { throw RemoteError.notBuilt(stages: missing) }
            let records = plan.steps.compactMap { step -> ActionRecord? in
                if case let .cached(record) = step.decision { return record } else { return nil }
            }
            let bytes = try Bundle.export(records, from: store, to: URL(fileURLWithPath: output))
            print("exported \(records.count) results to \(output) (\(ByteCount.text(Int64(bytes))))")
        }
    }
}

/// `pipe import bundle.tar.zst`: every result of a bundle, each blob checked against its digest.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add the results in a bundle made by `pipe export` to the store, verifying every blob.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The bundle (.tar.zst).") var bundle: String

    func run() throws {
        try reportingErrors {
            let store = try Session(global).openStore()
            let records = try Bundle.importBundle(from: URL(fileURLWithPath: bundle), into: store)
            print("imported \(records.count) results from \(bundle)")
        }
    }
}

extension RemoteOptions {
    /// The --remote value; commands that need one fail clearly without it.
    func required() throws -> String {
        guard let remote else { throw ValidationError("--remote NAME|URL is required (`pipe remote list` shows the names)") }
        return remote
    }
}
