import Foundation

/// Why a command stage's key changed, in its own terms: the command, an environment variable, a
/// tool or the program, the declared outputs (its input digests are compared like any stage's).
enum CommandReasons {
    static func differences(old: JSONValue?, new: JSONValue?, argv0: String) -> [StaleReason] {
        guard case let .object(before)? = old, case let .object(after)? = new else {
            return [.command(detail: "its declaration changed")]
        }
        var reasons: [StaleReason] = []
        if before["argv"] != after["argv"] {
            reasons.append(.command(detail: argvDifference(words(before["argv"]), words(after["argv"]))))
        }
        let oldEnv = members(before["environment"]), newEnv = members(after["environment"])
        for name in Set(oldEnv.keys).union(newEnv.keys).sorted() where oldEnv[name] != newEnv[name] {
            reasons.append(.environment(name: name, old: shown(oldEnv[name]), new: shown(newEnv[name])))
        }
        if before["program"] != after["program"] {
            reasons.append(.tool(name: argv0, old: program(before["program"]), new: program(after["program"])))
        }
        let oldTools = members(before["tools"]), newTools = members(after["tools"])
        for name in Set(oldTools.keys).union(newTools.keys).sorted() where oldTools[name] != newTools[name] {
            let (was, now) = (members(oldTools[name])["identity"], members(newTools[name])["identity"])
            if was != now {
                let (a, b) = lineDifference(text(was) ?? "(not declared)", text(now) ?? "(not declared)")
                reasons.append(.tool(name: name, old: a, new: b))
            } else {
                reasons.append(.tool(name: name, old: "identity command changed", new: words(members(newTools[name])["command"]).joined(separator: " ")))
            }
        }
        if before["outputs"] != after["outputs"] {
            reasons.append(.outputs(old: words(before["outputs"]).joined(separator: ", "),
                                    new: words(after["outputs"]).joined(separator: ", ")))
        }
        if before["runner"] != after["runner"] {
            reasons.append(.command(detail: "pipe's command runner changed (version \(text(before["runner"]) ?? "?") -> "
                + "\(text(after["runner"]) ?? "?"))"))
        }
        return reasons
    }

    /// The first differing word, or the lengths when words were added or removed.
    static func argvDifference(_ old: [String], _ new: [String]) -> String {
        if old.count == new.count, let i = old.indices.first(where: { old[$0] != new[$0] }),
           old.indices.filter({ old[$0] != new[$0] }).count == 1 {
            return "argument \(i): \(old[i]) -> \(new[i])"
        }
        let line = { (argv: [String]) in CommandRunner.shown(argv) }
        return clipped(line(old)) + " -> " + clipped(line(new))
    }

    /// The lines that differ between two identity outputs (most of `pip freeze` stays the same).
    static func lineDifference(_ old: String, _ new: String) -> (String, String) {
        let a = old.split(separator: "\n").map(String.init), b = new.split(separator: "\n").map(String.init)
        let removed = a.filter { !b.contains($0) }, added = b.filter { !a.contains($0) }
        if removed.isEmpty && added.isEmpty { return (clipped(old), clipped(new)) }
        return (clipped(removed.isEmpty ? "-" : removed.joined(separator: "; ")),
                clipped(added.isEmpty ? "-" : added.joined(separator: "; ")))
    }

    private static func program(_ value: JSONValue?) -> String {
        guard let text = text(value) else { return "(none)" }
        return text.count == 64 ? "sha256 " + text.prefix(12) : text
    }

    private static func clipped(_ text: String) -> String { text.count > 80 ? text.prefix(77) + "..." : text }
    private static func shown(_ value: JSONValue?) -> String {
        switch value { case nil, .null?: "(unset)"; case let .string(s)?: "'\(s)'"; default: value!.canonical }
    }
    private static func text(_ value: JSONValue?) -> String? { if case let .string(s)? = value { s } else { nil } }
    private static func words(_ value: JSONValue?) -> [String] {
        if case let .array(items)? = value { items.compactMap { text($0) } } else { [] }
    }
    private static func members(_ value: JSONValue?) -> [String: JSONValue] {
        if case let .object(items)? = value { items } else { [:] }
    }
}
