import Foundation

/// Counts the bytes a push or pull moves and reports them (bytes, rate) at most twice a second.
public final class TransferProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let started = Date()
    private var lastReport = Date.distantPast
    private let verb: String
    private let report: @Sendable (String) -> Void
    /// Blobs and bytes moved so far.
    public private(set) var blobs = 0
    public private(set) var bytes: Int64 = 0

    /// `verb` is "pushed" or "pulled"; `report` receives one line each time (stderr in the CLI).
    public init(verb: String, report: @escaping @Sendable (String) -> Void) {
        self.verb = verb
        self.report = report
    }

    func add(bytes count: Int) {
        let line: String? = lock.withLock {
            blobs += 1
            bytes += Int64(count)
            let now = Date()
            guard now.timeIntervalSince(lastReport) >= 0.5 else { return nil }
            lastReport = now
            return summaryLocked(now)
        }
        if let line { report(line) }
    }

    /// The totals so far, e.g. "pulled 12 blobs, 3.4 MB in 0.8 s (4.2 MB/s)".
    public var summary: String { lock.withLock { summaryLocked(Date()) } }

    private func summaryLocked(_ now: Date) -> String {
        let seconds = max(now.timeIntervalSince(started), 1e-6)
        return "\(verb) \(blobs) blob\(blobs == 1 ? "" : "s"), \(Self.megabytes(bytes)) in "
            + String(format: "%.2f s (%.1f MB/s)", seconds, Double(bytes) / 1e6 / seconds)
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.2f MB", Double(bytes) / 1e6) }
}
