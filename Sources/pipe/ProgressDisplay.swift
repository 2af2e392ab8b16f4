import Cache
import Foundation
import Pipeline

/// Shows a build's progress on standard error.
protocol ProgressDisplay: BuildObserver {
    func finish()
}

/// Plain timestamped lines, for logs and CI: starts, ends, stage log lines, and a progress line
/// per stage at most every 10 seconds.
final class PlainDisplay: ProgressDisplay, @unchecked Sendable {
    private let lock = NSLock()
    private var lastProgress: [String: Date] = [:]
    private func line(_ text: String) {
        lock.withLock {
            FileHandle.standardError.write(Data("[\(Self.clock())] \(text)\n".utf8))
        }
    }

    /// The local time as HH:mm:ss. localtime_r, not DateFormatter: loading ICU for it took
    /// a few ms of every no-op build.
    static func clock(_ date: Date = Date()) -> String {
        var seconds = time_t(date.timeIntervalSince1970), parts = tm()
        localtime_r(&seconds, &parts)
        return [parts.tm_hour, parts.tm_min, parts.tm_sec].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":")
    }

    func buildStarted(stages: Int, toRun: Int) { line("\(stages) stages, \(toRun) to run") }
    func stageWaiting(_ stage: Stage, key: Digest) { line("\(stage.name): waiting for another pipe process building \(key.short)") }
    func stageStarted(_ stage: Stage, key: Digest) { line("\(stage.name): started (\(stage.kind), key \(key.short))") }
    func stageQueued(_ stage: Stage, key: Digest, job: String, state: String, reason: String) {
        line("\(stage.name): " + QueueText.describe(job: job, state: state, reason: reason, key: key))
    }
    func stageLog(_ stage: Stage, _ text: String) { line("\(stage.name): \(text)") }
    func stageFinished(_ stage: Stage, key: Digest, seconds: Double) {
        line("\(stage.name): done in \(Duration.text(seconds))")
    }
    func stageFailed(_ stage: Stage, error: Error) { line("\(stage.name): FAILED") }
    func stageSkipped(_ stage: Stage, because upstream: String) { line("\(stage.name): skipped (\(upstream) failed)") }
    func warning(_ message: String) { line("warning: \(message)") }
    func stageProgress(_ stage: Stage, _ progress: StageProgress) {
        let now = Date()
        let due = lock.withLock { () -> Bool in
            if let last = lastProgress[stage.name], now.timeIntervalSince(last) < 10 { return false }
            lastProgress[stage.name] = now
            return true
        }
        if due { line("\(stage.name): \(ProgressText.describe(progress))") }
    }
    func finish() {}
}

/// On a terminal: one live line per running stage with a bar and an ETA, redrawn in place;
/// finished stages scroll above it.
final class LiveDisplay: ProgressDisplay, @unchecked Sendable {
    private struct Running { var started: Date; var progress: StageProgress? }
    private let lock = NSLock()
    private var running: [(String, Running)] = []
    private var drawnLines = 0
    private var lastDraw = Date.distantPast

    func buildStarted(stages: Int, toRun: Int) { emit("\(stages) stages, \(toRun) to run") }
    func stageWaiting(_ stage: Stage, key: Digest) { emit("\(stage.name): waiting for another pipe process") }
    func stageStarted(_ stage: Stage, key: Digest) {
        lock.withLock { running.append((stage.name, Running(started: Date(), progress: nil))) }
        redraw(force: true)
    }
    func stageProgress(_ stage: Stage, _ progress: StageProgress) {
        lock.withLock {
            if let i = running.firstIndex(where: { $0.0 == stage.name }) { running[i].1.progress = progress }
        }
        redraw(force: false)
    }
    func stageQueued(_ stage: Stage, key: Digest, job: String, state: String, reason: String) {
        emit("… \(stage.name): " + QueueText.describe(job: job, state: state, reason: reason, key: key))
    }
    func stageLog(_ stage: Stage, _ text: String) { emit("  \(stage.name): \(text)") }
    func stageFinished(_ stage: Stage, key: Digest, seconds: Double) {
        remove(stage.name)
        emit("✓ \(stage.name) (\(Duration.text(seconds)))")
    }
    func stageFailed(_ stage: Stage, error: Error) {
        remove(stage.name)
        emit("✗ \(stage.name) failed")
    }
    func stageSkipped(_ stage: Stage, because upstream: String) { emit("- \(stage.name) skipped (\(upstream) failed)") }
    func warning(_ message: String) { emit("warning: \(message)") }
    func finish() { lock.withLock { clear() } }

    private func remove(_ name: String) { lock.withLock { running.removeAll { $0.0 == name } } }

    private func emit(_ text: String) {
        lock.withLock {
            clear()
            write(text + "\n")
            draw()
        }
    }

    private func redraw(force: Bool) {
        lock.withLock {
            let now = Date()
            guard force || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            clear()
            draw()
        }
    }

    private func clear() {
        if drawnLines > 0 { write(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines) + "\r") }
        drawnLines = 0
    }

    private func draw() {
        lastDraw = Date()
        let width = max(40, Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100)
        for (name, state) in running {
            let elapsed = Date().timeIntervalSince(state.started)
            var text = "⠿ \(name) \(Duration.text(elapsed))"
            if let progress = state.progress {
                text = "⠿ \(name) " + ProgressText.bar(progress, width: 24) + " " + ProgressText.describe(progress)
                if progress.completed > 0, progress.total > progress.completed {
                    let eta = elapsed * (progress.total - progress.completed) / progress.completed
                    text += " ETA \(Duration.text(eta))"
                }
            }
            write(String(text.prefix(width - 1)) + "\n")
            drawnLines += 1
        }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}

/// Words for a cluster job's queue state.
enum QueueText {
    static func describe(job: String, state: String, reason: String, key: Digest) -> String {
        switch state {
        case "submitted": return "job \(job) submitted (key \(key.short))"
        case "adopted": return "job \(job) adopted (\(reason))"
        default: return "job \(job) \(state)" + (reason.isEmpty || reason == "None" ? "" : " (\(reason))")
        }
    }
}

/// Words and bars for a stage's progress.
enum ProgressText {
    static func describe(_ progress: StageProgress) -> String {
        let done = progress.completed == progress.completed.rounded()
            ? String(Int(progress.completed)) : String(format: "%.2f", progress.completed)
        var text = "\(progress.unit) \(done)/\(Int(progress.total))"
        if !progress.detail.isEmpty { text += " · \(progress.detail)" }
        return text
    }

    static func bar(_ progress: StageProgress, width: Int) -> String {
        let fraction = progress.total > 0 ? min(1, max(0, progress.completed / progress.total)) : 0
        let filled = Int((fraction * Double(width)).rounded())
        return "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "]"
    }
}

/// Seconds as people read them.
enum Duration {
    static func text(_ seconds: Double) -> String {
        if seconds < 1 { return String(format: "%.0f ms", seconds * 1000) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let minutes = Int(seconds) / 60
        return minutes < 60 ? String(format: "%dm%02ds", minutes, Int(seconds) % 60)
            : String(format: "%dh%02dm", minutes / 60, minutes % 60)
    }
}
