import ArgumentParser
import Cache
import Foundation
import Pipeline

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a stage's stored result: provenance (parameters, inputs, code, times, host) and log.",
        discussion: """
            The argument is a stage or target name, a stage key, or an artifact digest
            (a unique prefix of at least 8 hex characters works).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Stage, target, key or digest.")
    var subject: String

    @Flag(name: .long, help: "Print the stage's log.")
    var log = false

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        try reportingErrors {
            let session = try Session(global)
            let store = try session.openStore()
            let action: ActionRecord
            do {
                action = try find(session: session, store: store)
            } catch ShowError.notBuilt(let name) {
                // Its last run failed: that run's log, or where it is.
                guard let failure = FailedDirectories.lastFailure(stage: name, store: store) else { throw ShowError.notBuilt(name) }
                let directory = failure.directory.map { "; its directory, as the command left it: \($0.path)" } ?? ""
                guard log else { throw ShowError.failed(name, log: failure.log.path, directory: directory) }
                Console.warn("'\(name)' has never been built in this store; the log of its last run, which failed "
                             + "(\(failure.log.path))\(directory):")
                let text = String(decoding: try Data(contentsOf: failure.log), as: UTF8.self)
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
                return
            }
            if json { return try Console.json(action) }
            if log {
                guard let digest = action.log else { throw ShowError.noLog(action.stage) }
                print(String(decoding: try store.get(digest), as: UTF8.self), terminator: "")
                return
            }
            print(describe(action, store: store))
        }
    }

    private func find(session: Session, store: ArtifactStore) throws -> ActionRecord {
        if let stage = try? session.pipeline.resolve(subject) {
            let plan = try Planner.plan(session.pipeline, targets: [stage.name], index: store)
            if case let .cached(action)? = plan.step(stage.name)?.decision { return action }
            if let last = try store.lastAction(ofStage: stage.name) {
                Console.warn("'\(stage.name)' is not up to date; showing its last stored result (\(last.key.short))")
                return last
            }
            throw ShowError.notBuilt(stage.name)
        }
        let prefix = subject.lowercased()
        guard prefix.count >= 8, prefix.allSatisfy(\.isHexDigit) else {
            _ = try session.pipeline.resolve(subject)  // throws the "did you mean" error
            throw ShowError.nothingMatches(subject)
        }
        let actions = try store.allActions()
        let byKey = actions.filter { $0.key.hex.hasPrefix(prefix) }
        if byKey.count == 1 { return byKey[0] }
        let byOutput = actions.filter { $0.outputs.values.contains { $0.hex.hasPrefix(prefix) } }
        if let newest = byOutput.max(by: { $0.finished < $1.finished }) { return newest }
        throw ShowError.nothingMatches(subject)
    }

    private func describe(_ action: ActionRecord, store: ArtifactStore) -> String {
        var lines = [
            "stage     \(action.stage) [\(action.kind)]",
            "key       \(action.key.hex)",
            "built     \(ISO8601DateFormatter().string(from: action.finished)) on \(action.host), pipe \(action.pipeVersion), "
                + Duration.text(action.finished.timeIntervalSince(action.started)),
            "params    \(action.params)",
        ]
        lines.append("inputs")
        for (name, digest) in action.inputs.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(name): \(digest.short)")
        }
        lines.append("outputs")
        for (name, digest) in action.outputs.sorted(by: { $0.key < $1.key }) {
            let size = store.blobSize(digest).map { " \(ByteCount.text($0.original)) (\(ByteCount.text($0.stored)) stored)" } ?? ""
            lines.append("  \(name): \(digest.short)\(size)")
        }
        lines.append("code      \(action.codeDigest.prefix(12))")
        for (file, digest) in action.codeFiles.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(file) \(digest.prefix(12))")
        }
        lines.append("log       `pipe show \(action.stage) --log`")
        return lines.joined(separator: "\n")
    }

    enum ShowError: Error, CustomStringConvertible {
        case notBuilt(String), nothingMatches(String), noLog(String)
        case failed(String, log: String, directory: String)
        var description: String {
            switch self {
            case let .notBuilt(name): "stage '\(name)' has never been built in this store; `pipe build \(name)`"
            case let .nothingMatches(text): "no stored stage key or artifact digest starts with '\(text)'"
            case let .noLog(name): "stage '\(name)' has no stored log"
            case let .failed(name, log, directory):
                "stage '\(name)' has never been built in this store; its last run failed (`pipe show \(name) --log`: "
                    + "\(log))\(directory)"
            }
        }
    }
}

/// Byte counts as people read them.
enum ByteCount {
    static func text(_ bytes: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// Parses "500M", "10G", "2.5GB", "1000" (bytes).
    static func parse(_ text: String) -> Int64? {
        let upper = text.uppercased().replacingOccurrences(of: "B", with: "")
        let multipliers: [Character: Double] = ["K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12]
        if let last = upper.last, let multiplier = multipliers[last], let value = Double(upper.dropLast()) {
            return Int64(value * multiplier)
        }
        return Int64(upper)
    }
}
