import Cache
import Foundation

/// A reproducibility audit: runs a stored stage again in a scratch area and compares its outputs
/// bit for bit with the stored ones. Nothing is written to the store.
public enum ReproducibilityCheck {
    /// How one output compares.
    public struct OutputComparison: Sendable {
        public var name: String
        public var identical: Bool
        public var storedBytes: Int
        public var rerunBytes: Int
        public var differingBytes: Int
        public var firstDifference: Int?
        /// When both are whole Float32 arrays of one length: the largest absolute difference.
        public var maxFloatDifference: Float?

        public var description: String {
            if identical { return "\(name): identical (\(storedBytes) bytes)" }
            var text = "\(name): DIFFERS: \(differingBytes) of \(max(storedBytes, rerunBytes)) bytes"
            if storedBytes != rerunBytes { text += " (sizes \(storedBytes) vs \(rerunBytes))" }
            if let first = firstDifference { text += ", first at byte \(first)" }
            if let max = maxFloatDifference { text += ", max |difference| as float32 \(max)" }
            return text
        }
    }

    public static func run(_ name: String, pipeline: PipelineDefinition, store: ArtifactStore,
                           observer: BuildObserver? = nil)
        throws -> [OutputComparison] {
        let stage = try pipeline.resolve(name)
        let plan = try Planner.plan(pipeline, targets: [stage.name], index: store)
        guard let step = plan.step(stage.name), case let .cached(action) = step.decision else {
            throw CheckError.notBuilt(stage.name)
        }
        var inputs: [String: StageInput] = [:]
        for (input, digest) in action.inputs {
            guard let ref = stage.inputs[input] else { throw CheckError.notBuilt(stage.name) }
            inputs[input] = LocalExecutor.source(input: input, ref: ref, digest: digest, store: store,
                                                 corruption: InputCorruption())
        }
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("pipe-check-\(action.key.short)-\(getpid())", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let context = StageContext(sources: inputs, scratch: scratch,
                                   onLog: { line in observer?.stageLog(stage, line) },
                                   onProgress: { observer?.stageProgress(stage, $0) })
        observer?.stageStarted(stage, key: action.key)
        let started = Date()
        // In this process whatever the build's executor: a check compares bytes, it stores nothing.
        try stage.body(context)
        observer?.stageFinished(stage, key: action.key, seconds: Date().timeIntervalSince(started))
        return try action.outputs.keys.sorted().map { output in
            compare(output, stored: try store.get(action.outputs[output]!), rerun: try context.outputBytes(output) ?? Data())
        }
    }

    static func compare(_ name: String, stored: Data, rerun: Data) -> OutputComparison {
        let a = [UInt8](stored), b = [UInt8](rerun)
        var differing = abs(a.count - b.count)
        var first: Int? = a.count == b.count ? nil : min(a.count, b.count)
        for i in 0..<min(a.count, b.count) where a[i] != b[i] {
            differing += 1
            if first == nil || i < first! { first = i }
        }
        var maxFloat: Float?
        if differing > 0, a.count == b.count, a.count % 4 == 0 {
            var largest: Float = 0
            stored.withUnsafeBytes { x in
                rerun.withUnsafeBytes { y in
                    for i in 0..<(a.count / 4) {
                        let u = x.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
                        let v = y.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
                        if u.isFinite && v.isFinite { largest = max(largest, abs(u - v)) }
                    }
                }
            }
            maxFloat = largest
        }
        return OutputComparison(name: name, identical: differing == 0, storedBytes: a.count, rerunBytes: b.count,
                                differingBytes: differing, firstDifference: first, maxFloatDifference: maxFloat)
    }

    /// Why a check could not run.
    public enum CheckError: Error, CustomStringConvertible {
        case notBuilt(String)
        public var description: String {
            switch self {
            case let .notBuilt(name):
                "stage '\(name)' has no stored result to check; build it first (`pipe build \(name)`)"
            }
        }
    }
}
