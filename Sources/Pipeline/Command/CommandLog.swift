import Foundation

/// A command's standard output and error as lines for the stage's log (live on the terminal,
/// kept with the result), with the last few kept for error messages.
///
/// A line `pipe-progress: 3/10 epoch` reports progress instead (the live display's bar and
/// ETA) and is not logged, so a script can say how far it is without flooding its log.
final class CommandLog {
    static let tailLength = 20
    /// Longer lines are cut: a script printing a tensor must not make one log line of megabytes.
    static let maxLineBytes = 4096

    private let context: StageContext
    private var pending: [UInt8] = []
    private(set) var tail: [String] = []

    init(context: StageContext) { self.context = context }

    /// Takes bytes as they arrive; lines end at "\n" or "\r" (progress bars redraw with "\r").
    func feed(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            if byte == 0x0A || byte == 0x0D { flushLine() } else if pending.count < Self.maxLineBytes { pending.append(byte) }
        }
    }

    /// Emits what is left after the command's output ended.
    func finish() { flushLine() }

    private func flushLine() {
        defer { pending.removeAll(keepingCapacity: true) }
        let line = String(decoding: pending, as: UTF8.self)
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        if let progress = Self.progress(line) {
            context.progress(progress.completed, of: progress.total, progress.unit)
            return
        }
        context.log(line)
        tail.append(line)
        if tail.count > Self.tailLength { tail.removeFirst(tail.count - Self.tailLength) }
    }

    /// Parses `pipe-progress: DONE/TOTAL [UNIT]`.
    static func progress(_ line: String) -> (completed: Double, total: Double, unit: String)? {
        guard line.hasPrefix("pipe-progress:") else { return nil }
        let words = line.dropFirst("pipe-progress:".count).split(separator: " ", maxSplits: 1)
        guard let first = words.first else { return nil }
        let parts = first.split(separator: "/")
        guard parts.count == 2, let done = Double(parts[0]), let total = Double(parts[1]), total > 0 else { return nil }
        return (done, total, words.count > 1 ? String(words[1]) : "step")
    }
}
