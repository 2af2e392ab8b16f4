import Foundation

/// What a running stage sees: its inputs, a place for its outputs, a log and a progress channel.
///
/// The engine makes one per run; tests make one directly to run a stage body without a store.
public final class StageContext: @unchecked Sendable {
    private let inputs: [String: Data]
    private let lock = NSLock()
    private var written: [String: Data] = [:]
    private let onLog: @Sendable (String) -> Void
    private let onProgress: @Sendable (StageProgress) -> Void
    private let cancelled: @Sendable () -> Bool
    /// A private empty directory for temporary files, removed after the run.
    public let scratch: URL

    public init(inputs: [String: Data],
                scratch: URL = FileManager.default.temporaryDirectory,
                onLog: @escaping @Sendable (String) -> Void = { _ in },
                onProgress: @escaping @Sendable (StageProgress) -> Void = { _ in },
                cancelled: @escaping @Sendable () -> Bool = { false }) {
        self.inputs = inputs
        self.scratch = scratch
        self.onLog = onLog
        self.onProgress = onProgress
        self.cancelled = cancelled
    }

    /// Names of the inputs wired to this run.
    public var inputNames: [String] { inputs.keys.sorted() }

    /// The bytes of input `name`; throws StageError.missingInput when it is not wired.
    public func input(_ name: String) throws -> Data {
        guard let data = inputs[name] else {
            throw StageError.missingInput(name: name, available: inputNames)
        }
        return data
    }

    /// Writes output `name`; writing the same name twice keeps the last bytes.
    public func write(_ name: String, _ data: Data) {
        lock.withLock { written[name] = data }
    }

    /// Everything written so far, by output name.
    public var outputs: [String: Data] { lock.withLock { written } }

    /// A line for the stage's log (kept in the store with its result).
    public func log(_ message: String) { onLog(message) }

    /// Reports progress, e.g. `progress(3, of: 5, "epoch")`; drives the live display and ETA.
    public func progress(_ completed: Double, of total: Double, _ unit: String, detail: String = "") {
        onProgress(StageProgress(completed: completed, total: total, unit: unit, detail: detail))
    }

    /// True once the build is being stopped; long loops should check it and throw CancellationError.
    public var isCancelled: Bool { cancelled() }
}

/// One progress report of a running stage.
public struct StageProgress: Sendable, Equatable {
    public var completed: Double
    public var total: Double
    public var unit: String
    public var detail: String
    public init(completed: Double, total: Double, unit: String, detail: String = "") {
        self.completed = completed; self.total = total; self.unit = unit; self.detail = detail
    }
}
