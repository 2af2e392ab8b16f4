import Foundation

/// What a running stage sees: its inputs, a place for its outputs, a log and a progress channel.
///
/// The engine makes one per run; tests make one directly to run a stage body without a store.
public final class StageContext: @unchecked Sendable {
    private let inputs: [String: StageInput]
    private let lock = NSLock()
    private var loaded: [String: Data] = [:]
    private var files: [String: URL] = [:]
    private var written: [String: Data] = [:]
    private var writtenFiles: [String: URL] = [:]
    private var keep: URL?
    private let onLog: @Sendable (String) -> Void
    private let onProgress: @Sendable (StageProgress) -> Void
    private let cancelled: @Sendable () -> Bool
    /// A private empty directory for temporary files, removed after the run.
    public let scratch: URL

    /// A context over inputs already in memory (tests, benchmarks).
    public convenience init(inputs: [String: Data],
                            scratch: URL = FileManager.default.temporaryDirectory,
                            onLog: @escaping @Sendable (String) -> Void = { _ in },
                            onProgress: @escaping @Sendable (StageProgress) -> Void = { _ in },
                            cancelled: @escaping @Sendable () -> Bool = { false }) {
        self.init(sources: inputs.mapValues { StageInput(data: $0) }, scratch: scratch, onLog: onLog,
                  onProgress: onProgress, cancelled: cancelled)
    }

    /// A context whose inputs are read or mapped only when the stage asks for them.
    public init(sources: [String: StageInput],
                scratch: URL = FileManager.default.temporaryDirectory,
                onLog: @escaping @Sendable (String) -> Void = { _ in },
                onProgress: @escaping @Sendable (StageProgress) -> Void = { _ in },
                cancelled: @escaping @Sendable () -> Bool = { false }) {
        self.inputs = sources
        self.scratch = scratch
        self.onLog = onLog
        self.onProgress = onProgress
        self.cancelled = cancelled
    }

    /// A directory of `scratch` that the engine keeps for the user when the stage fails instead of
    /// removing it with the rest (a command stage's working directory: what the command wrote before
    /// it failed); nil keeps nothing.
    public var keptOnFailure: URL? {
        get { lock.withLock { keep } }
        set { lock.withLock { keep = newValue } }
    }

    /// Names of the inputs wired to this run.
    public var inputNames: [String] { inputs.keys.sorted() }

    /// The bytes of input `name`; throws StageError.missingInput when it is not wired.
    public func input(_ name: String) throws -> Data {
        let source = try self.source(name)
        if let data = lock.withLock({ loaded[name] }) { return data }
        let data = try source.bytes()
        lock.withLock { loaded[name] = data }
        return data
    }

    /// A file holding exactly the bytes of input `name`, for readers that map it instead of reading
    /// it whole: the input's own file where it has one, else a copy in scratch. Read-only; valid
    /// for the run.
    public func inputFile(_ name: String) throws -> URL {
        let source = try self.source(name)
        if let url = lock.withLock({ files[name] }) { return url }
        let url = try source.file(scratch)
        lock.withLock { files[name] = url }
        return url
    }

    /// The SHA-256 (hex) of input `name`'s bytes, known without reading them.
    public func inputDigest(_ name: String) throws -> String { try source(name).digest }

    private func source(_ name: String) throws -> StageInput {
        guard let source = inputs[name] else { throw StageError.missingInput(name: name, available: inputNames) }
        return source
    }

    /// Writes output `name`; writing the same name twice keeps the last bytes.
    public func write(_ name: String, _ data: Data) {
        lock.withLock { written[name] = data; writtenFiles[name] = nil }
    }

    /// Writes output `name` as the bytes of the file at `url`, which the engine stores streaming
    /// (outputs too large to hold in memory). The file must stay as it is until the run ends.
    public func write(_ name: String, file url: URL) {
        lock.withLock { writtenFiles[name] = url; written[name] = nil }
    }

    /// Everything written so far as bytes, by output name.
    public var outputs: [String: Data] { lock.withLock { written } }

    /// Everything written so far as files, by output name.
    public var outputFiles: [String: URL] { lock.withLock { writtenFiles } }

    /// The names of every output written so far, either way.
    public var outputNames: Set<String> { lock.withLock { Set(written.keys).union(writtenFiles.keys) } }

    /// The bytes of output `name` as written (reading a file output), nil if it was not written.
    public func outputBytes(_ name: String) throws -> Data? {
        if let data = lock.withLock({ written[name] }) { return data }
        guard let url = lock.withLock({ writtenFiles[name] }) else { return nil }
        return try Data(contentsOf: url)
    }

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
