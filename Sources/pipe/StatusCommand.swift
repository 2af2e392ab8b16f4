import ArgumentParser
import Foundation
import Pipeline

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List every stage a target needs as cached or to-run, and why each would run.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Targets or stages (default: every target).")
    var targets: [String] = []

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    @OptionGroup var remoteOptions: RemoteOptions

    func run() throws {
        try reportingErrors {
            let session = try Session(global, needs: targets)
            let store = try session.openStore()
            let names = targets.isEmpty ? session.pipeline.targets.map(\.name) : targets
            let plan = try Planner.plan(session.pipeline, targets: names, index: store)
            // One HEAD per to-run stage whose key is known: cheap enough to ask.
            var onRemote = Set<String>()
            if let spec = remoteOptions.remote {
                let cache = try RemoteOptions.cache(spec, store: store, push: false, verb: "pulled")
                for step in plan.toRun {
                    if let key = step.key, try cache.remoteHasResult(key: key) { onRemote.insert(step.stage.name) }
                }
            }
            // A stage to run whose last run at this key failed: one stat each.
            var failed = Set<String>()
            for step in plan.toRun {
                if let key = step.key, FailedDirectories.failedLog(stage: step.stage.name, key: key, store: store) != nil {
                    failed.insert(step.stage.name)
                }
            }
            if json {
                try Console.json(plan.steps.map {
                    StatusEntry($0, onRemote: onRemote.contains($0.stage.name), lastRunFailed: failed.contains($0.stage.name))
                })
            } else {
                StatusPrinter.print(plan, verbose: true, onRemote: onRemote, failed: failed)
            }
        }
    }
}

/// One stage of `pipe status --json`.
struct StatusEntry: Encodable {
    var stage: String
    var kind: String
    var state: String
    var key: String?
    var reasons: [String]
    var onRemote: Bool?
    var lastRunFailed: Bool?

    init(_ step: Plan.Step, onRemote: Bool = false, lastRunFailed: Bool = false) {
        self.onRemote = onRemote ? true : nil
        self.lastRunFailed = lastRunFailed ? true : nil
        stage = step.stage.name
        kind = step.stage.kind
        key = step.key?.hex
        switch step.decision {
        case .cached: state = "cached"; reasons = []
        case let .run(why): state = "to-run"; reasons = why.map(\.description)
        }
    }
}

/// The text form of a plan, shared by `status` and `build --dry-run`.
enum StatusPrinter {
    static func print(_ plan: Plan, verbose: Bool, onRemote: Set<String> = [], failed: Set<String> = []) {
        let width = min(40, plan.steps.map(\.stage.name.count).max() ?? 10)
        for step in plan.steps {
            let name = step.stage.name.padding(toLength: max(width, step.stage.name.count), withPad: " ", startingAt: 0)
            switch step.decision {
            case .cached:
                if verbose { Swift.print("cached  \(name)  \(step.key!.short)") }
            case let .run(reasons):
                let remote = onRemote.contains(step.stage.name) ? " (on remote)" : ""
                let failure = failed.contains(step.stage.name)
                    ? "; its last run failed (`pipe show \(step.stage.name) --log`)" : ""
                Swift.print("to-run  \(name)  " + reasons.map(\.description).joined(separator: "; ") + failure + remote)
            }
        }
        let toRun = plan.toRun.count
        Swift.print("\(plan.steps.count) stages: \(plan.steps.count - toRun) cached, \(toRun) to run")
    }
}
