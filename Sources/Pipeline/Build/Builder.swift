import Cache
import Foundation

/// Runs what a build needs: stages in dependency order, up to `jobs` at once, each one looked up
/// in the store first and stored after it runs.
///
/// Keys are computed when a stage is about to run, from the digests its inputs actually have, so
/// an upstream rerun that reproduces the same bytes stops here (early cutoff). A per-key lock in
/// the store makes a second `pipe` process wait for the first and then reuse its result.
public final class Builder: @unchecked Sendable {
    public let pipeline: PipelineDefinition
    public let store: ArtifactStore
    let executor: StageExecutor
    let observer: BuildObserver?
    let options: BuildOptions

    private let condition = NSCondition()
    private var cancelRequested = false

    public init(pipeline: PipelineDefinition, store: ArtifactStore, executor: StageExecutor = LocalExecutor(),
                observer: BuildObserver? = nil, options: BuildOptions = BuildOptions()) {
        self.pipeline = pipeline
        self.store = store
        self.executor = executor
        self.observer = observer
        self.options = options
    }

    /// Asks running stages to stop (they see `context.isCancelled`) and starts no new ones.
    public func cancel() {
        condition.lock(); cancelRequested = true; condition.broadcast(); condition.unlock()
    }

    var isCancelled: Bool { condition.lock(); defer { condition.unlock() }; return cancelRequested }

    private enum State { case pending, running, done([String: Digest]), failed, skipped }

    /// The build's mutable state, shared with worker threads under `condition`.
    private final class Run: @unchecked Sendable {
        var state: [String: State] = [:]
        var report = BuildReport()
        var recomputes: [String: Int] = [:]
        var stopLaunching = false
        var running = 0
    }

    /// Builds the named targets or stages and everything they need.
    public func build(_ names: [String]) throws -> BuildReport {
        let requested = try names.map { try pipeline.resolve($0).name }
        // One batch lookup of every key that is known now (ninja's no-op: stat, compare, done).
        let plan = try Planner.plan(pipeline, targets: requested, index: store, force: options.force)
        let heads = plan.heads
        let stages = plan.steps.map(\.stage)   // the closure of `requested`, in dependency order
        observer?.buildStarted(stages: stages.count, toRun: plan.toRun.count)
        let run = Run()
        let recent = RecentOutputs()
        run.state = Dictionary(uniqueKeysWithValues: stages.map { ($0.name, State.pending) })
        // What the plan found stored is done here, without a thread each; with a remote, each goes
        // through runOne on its own thread, since telling the remote about it may take a while.
        if options.remote == nil {
            for step in plan.steps {
                guard case let .cached(action) = step.decision, !options.force.contains(step.stage.name) else { continue }
                let (outcome, result) = try cached(step.stage, action, heads: heads)
                run.state[step.stage.name] = .done(result.outputs)
                run.report.outcomes[step.stage.name] = outcome
                run.report.results[step.stage.name] = result
            }
        }

        condition.lock()
        defer { condition.unlock() }
        while true {
            // A stage whose upstream failed or was skipped will not run.
            for stage in stages {
                guard case .pending = run.state[stage.name]! else { continue }
                if let blocker = stage.upstream.first(where: {
                    switch run.state[$0] { case .failed?, .skipped?: true; default: false } }) {
                    run.state[stage.name] = .skipped
                    run.report.outcomes[stage.name] = .skipped(because: blocker)
                    observer?.stageSkipped(stage, because: blocker)
                }
            }
            if cancelRequested { run.stopLaunching = true }
            let ready = stages.filter { stage in
                guard case .pending = run.state[stage.name]! else { return false }
                return stage.upstream.allSatisfy { if case .done? = run.state[$0] { true } else { false } }
            }
            if !run.stopLaunching {
                for stage in ready.prefix(options.jobs - run.running) {
                    var upstreamOutputs: [String: [String: Digest]] = [:]
                    for name in stage.upstream { if case let .done(outputs)? = run.state[name] { upstreamOutputs[name] = outputs } }
                    var upstreamKeys: [String: Digest] = [:]
                    for name in stage.upstream { upstreamKeys[name] = run.report.results[name]?.key }
                    run.state[stage.name] = .running
                    run.running += 1
                    let worker = Thread { [self, upstreamOutputs, upstreamKeys] in
                        let result = Result {
                            try self.runOne(stage, upstreamOutputs: upstreamOutputs, upstreamKeys: upstreamKeys, heads: heads,
                                            recent: recent)
                        }
                        self.condition.lock()
                        run.running -= 1
                        switch result {
                        case let .success((outcome, record)):
                            run.state[stage.name] = .done(record.outputs)
                            run.report.outcomes[stage.name] = outcome
                            run.report.results[stage.name] = record
                        case let .failure(error as CorruptInput):
                            // The store quarantined the blob, so the producer's result is now a
                            // miss: run the producer again, then this stage.
                            let attempts = run.recomputes[error.upstream, default: 0]
                            if attempts < 2, run.state[error.upstream] != nil {
                                run.recomputes[error.upstream] = attempts + 1
                                observer?.warning("input '\(error.input)' of '\(stage.name)' was corrupt and has been quarantined; recomputing '\(error.upstream)'")
                                run.state[error.upstream] = .pending
                                run.state[stage.name] = .pending
                            } else {
                                run.state[stage.name] = .failed
                                let failure = BuildError.corruptResult(stage: error.upstream, key: error.digest, detail: "still corrupt after recomputing")
                                run.report.errors.append(failure)
                                run.report.outcomes[stage.name] = .failed(failure.description)
                                if !self.options.keepGoing { run.stopLaunching = true }
                            }
                        case let .failure(error):
                            run.state[stage.name] = .failed
                            if error is CancellationError || (self.cancelRequested && !(error is BuildError)) {
                                run.report.cancelled = true
                                run.report.outcomes[stage.name] = .failed("cancelled")
                            } else {
                                let failure = error as? BuildError
                                    ?? BuildError.aroundStage(stage: stage.name, message: "\(error)")
                                run.report.errors.append(failure)
                                run.report.outcomes[stage.name] = .failed(failure.description)
                                self.observer?.stageFailed(stage, error: failure)
                                if !self.options.keepGoing { run.stopLaunching = true }
                            }
                        }
                        self.condition.broadcast()
                        self.condition.unlock()
                    }
                    worker.stackSize = 16 << 20
                    worker.start()
                }
            }
            if run.running == 0 && (run.stopLaunching || ready.isEmpty) { break }
            condition.wait()
        }
        if cancelRequested { run.report.cancelled = true }
        for stage in stages where run.report.outcomes[stage.name] == nil { run.report.outcomes[stage.name] = .notStarted }
        // Recently used results survive `pipe gc --keep-size` longest.
        try? store.touch(keys: run.report.results.values.map(\.key))
        return run.report
    }

    /// An input blob failed its digest check while being read.
    struct CorruptInput: Error {
        let input: String
        let upstream: String
        let digest: Digest
    }
}
