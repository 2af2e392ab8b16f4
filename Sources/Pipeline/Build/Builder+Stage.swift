import Cache
import Foundation

extension Builder {
    /// Looks one stage up and, on a miss, has the executor produce and store it.
    func runOne(_ stage: Stage, upstreamOutputs: [String: [String: Digest]], upstreamKeys: [String: Digest] = [:],
                heads: [String: Digest], recent: RecentOutputs? = nil) throws -> (BuildReport.Outcome, ActionRecordRef) {
        var inputs: [String: Digest] = [:]
        for (name, ref) in stage.inputs {
            switch ref {
            case let .output(upstream, output): inputs[name] = upstreamOutputs[upstream]![output]!
            case let .file(path): inputs[name] = try Planner.fileDigest(path, stage: stage, input: name, index: store)
            }
        }
        let key = StageKey.compute(stage, inputs: inputs)
        let forced = options.force.contains(stage.name)
        if !forced, let action = try store.action(for: key) { return try cached(stage, action, heads: heads) }

        let request = StageRequest(stage: stage, key: key, inputs: inputs, forced: forced, store: store,
                                   remote: options.remote, upstream: upstreamKeys, observer: observer, recent: recent,
                                   isCancelled: { [weak self] in self?.isCancelled ?? true })
        switch try executor.produce(request) {
        case let .found(action):
            return try cached(stage, action, heads: heads)
        case let .ran(record, seconds):
            try store.setHead(stage: stage.name, key: key)
            if let remote = options.remote {
                // The result is safe locally; a remote that fails only costs sharing it.
                do { try remote.built(record) } catch {
                    observer?.warning("could not push '\(stage.name)' (key \(key.short)): \(error)")
                }
            }
            observer?.stageFinished(stage, key: key, seconds: seconds)
            return (.ran(seconds: seconds), ActionRecordRef(key: key, outputs: record.outputs))
        }
    }

    func cached(_ stage: Stage, _ action: ActionRecord, heads: [String: Digest]) throws
        -> (BuildReport.Outcome, ActionRecordRef) {
        if heads[stage.name] != action.key { try store.setHead(stage: stage.name, key: action.key) }
        if let remote = options.remote {
            do { try remote.found(action) } catch {
                observer?.warning("could not push '\(stage.name)' (key \(action.key.short)): \(error)")
            }
        }
        observer?.stageCached(stage, key: action.key)
        return (.cached, ActionRecordRef(key: action.key, outputs: action.outputs))
    }
}

/// The version of pipe recorded with every result.
public enum PipeVersion {
    public static let current = "0.1.0"
}
