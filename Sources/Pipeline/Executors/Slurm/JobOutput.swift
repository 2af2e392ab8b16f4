import Foundation

/// The lines a cluster job writes to its output file so the coordinator can replay them into
/// its display: `pipe-log: TEXT` for a stage's log line, `pipe-progress: DONE TOTAL UNIT\tDETAIL`
/// for progress. Anything else (the job's own errors, slurmstepd's messages) is shown as a log line.
public enum JobOutput {
    public enum Event: Equatable {
        case log(String)
        case progress(StageProgress)
    }

    static let logPrefix = "pipe-log: ", progressPrefix = "pipe-progress: "

    public static func line(log text: String) -> String { logPrefix + text }

    public static func line(progress: StageProgress) -> String {
        "\(progressPrefix)\(progress.completed) \(progress.total) \(progress.unit)\t\(progress.detail)"
    }

    public static func parse(_ line: String) -> Event {
        if line.hasPrefix(logPrefix) { return .log(String(line.dropFirst(logPrefix.count))) }
        if line.hasPrefix(progressPrefix) {
            let body = line.dropFirst(progressPrefix.count)
            let parts = body.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            let words = parts[0].split(separator: " ", maxSplits: 2)
            if words.count == 3, let done = Double(words[0]), let total = Double(words[1]) {
                return .progress(StageProgress(completed: done, total: total, unit: String(words[2]),
                                               detail: parts.count > 1 ? String(parts[1]) : ""))
            }
        }
        return .log(line)
    }

    /// The last `count` lines of the file at `path`, without the protocol's prefixes; of the
    /// progress lines only the last is kept (it says how far the stage got).
    public static func tail(_ path: String, lines count: Int = 12) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let events = String(decoding: data, as: UTF8.self).split(separator: "\n").map { parse(String($0)) }
        let lastProgress = events.lastIndex { if case .progress = $0 { true } else { false } }
        let kept = events.enumerated().compactMap { index, event -> String? in
            switch event {
            case let .log(text): return text
            case let .progress(progress):
                return index == lastProgress ? "progress: \(progress.unit) \(progress.completed)/\(progress.total)" : nil
            }
        }
        return Array(kept.suffix(count))
    }
}
