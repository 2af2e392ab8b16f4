import Cache
import Foundation

/// Why a stage must run, in words a person can act on (ninja's EXPLAIN, for every stage).
public enum StaleReason: Sendable, Equatable, CustomStringConvertible {
    case neverBuilt
    case forced
    case parameter(path: String, old: String, new: String)
    case code(files: [String])
    case input(name: String, from: String)
    case waitsFor([String])
    case resultLost
    case kindChanged(old: String, new: String)
    /// A command stage's argv (after settings were substituted) differs.
    case command(detail: String)
    /// A variable a command stage declares (or passes through) has another value.
    case environment(name: String, old: String, new: String)
    /// A command stage's program file or a declared tool identifies itself differently.
    case tool(name: String, old: String, new: String)
    /// A command stage declares other outputs.
    case outputs(old: String, new: String)

    public var description: String {
        switch self {
        case .neverBuilt:
            return "never built"
        case .forced:
            return "forced (--force)"
        case let .parameter(path, old, new):
            return "parameter \(path) changed: \(old) -> \(new)"
        case let .code(files):
            // Full paths for one or two files; past that, names and a count keep a status line short
            // (`pipe show STAGE` lists every file and digest of a stored result).
            let shown = files.count <= 2 ? files : files.prefix(3).map { ($0 as NSString).lastPathComponent }
            let more = files.count > shown.count ? " and \(files.count - shown.count) more" : ""
            return "code changed: " + shown.joined(separator: ", ") + more
        case let .input(name, from):
            // A command stage's project file is named by its own path: say it once.
            return from == "file \(name)" ? "input '\(name)' changed" : "input '\(name)' changed: \(from)"
        case let .waitsFor(stages):
            return "waits for " + stages.joined(separator: ", ")
                + " (runs only if that produces different outputs)"
        case .resultLost:
            return "its cached result was invalidated or its artifacts are gone"
        case let .kindChanged(old, new):
            return "stage kind changed: \(old) -> \(new)"
        case let .command(detail):
            return "command changed: " + detail
        case let .environment(name, old, new):
            return "environment variable \(name) changed: \(old) -> \(new)"
        case let .tool(name, old, new):
            return "tool changed: \(name) (\(old) -> \(new))"
        case let .outputs(old, new):
            return "declared outputs changed: \(old) -> \(new)"
        }
    }

    /// What differs between a stage's definition now and the result it last had.
    static func differences(stage: Stage, inputs: [String: Digest]?, previous: ActionRecord) -> [StaleReason] {
        var reasons: [StaleReason] = []
        if previous.kind != stage.kind {
            return [.kindChanged(old: previous.kind, new: stage.kind)]
        }
        let oldParams = try? JSONValue(parsing: previous.params), newParams = try? JSONValue(parsing: stage.params)
        if stage.kind == CommandStage.kind {
            reasons += CommandReasons.differences(old: oldParams, new: newParams, argv0: stage.commandProgram)
        } else {
            let old = oldParams?.leaves() ?? [:], new = newParams?.leaves() ?? [:]
            for path in Set(old.keys).union(new.keys).sorted() where old[path] != new[path] {
                reasons.append(.parameter(path: path, old: old[path] ?? "(none)", new: new[path] ?? "(none)"))
            }
        }
        let files = Set(previous.codeFiles.keys).union(stage.code.files.keys).sorted()
            .filter { previous.codeFiles[$0] != stage.code.files[$0] }
        if !files.isEmpty { reasons.append(.code(files: files)) }
        if let inputs {
            for name in Set(inputs.keys).union(previous.inputs.keys).sorted() where inputs[name] != previous.inputs[name] {
                reasons.append(.input(name: name, from: stage.inputs[name]?.description ?? "removed"))
            }
        }
        return reasons
    }
}
