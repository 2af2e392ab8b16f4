import Foundation

/// Why a command stage failed: one line saying what and the fix, then the log's last lines
/// where the command said something.
public enum CommandError: Error, CustomStringConvertible, Sendable {
    case toolUnavailable(tool: String, reason: String, install: String?)
    case programMissing(String)
    case exited(command: String, status: Int32, tail: [String])
    case missingOutput(path: String, found: [String], tail: [String])
    case outputEscapes(path: String, target: String)
    case outputKind(path: String, expected: String)
    /// A directory output holds something a tree archive cannot take (a link out, a fifo).
    case outputTree(path: String, reason: String)
    case placement(path: String, reason: String)
    case cannotStart(command: String, reason: String)

    public var description: String {
        switch self {
        case let .toolUnavailable(tool, reason, install):
            return "tool '\(tool)' is not available: \(reason)" + (install.map { "; install it: \($0)" } ?? "")
        case let .programMissing(reason):
            return "cannot run the command: \(reason); install it or fix argv[0]"
        case let .exited(command, status, tail):
            return "`\(command)` " + Self.status(status) + Self.render(tail)
        case let .missingOutput(path, found, tail):
            let listing = found.isEmpty ? "the stage's directory holds no other files"
                : "the stage's directory holds: " + found.prefix(8).joined(separator: ", ") + (found.count > 8 ? ", …" : "")
            return "the command exited 0 but did not write its declared output '\(path)' (\(listing))" + Self.render(tail)
        case let .outputEscapes(path, target):
            return "output '\(path)' resolves to \(target), not a file inside the stage's directory; write outputs "
                + "inside it (nothing was stored)"
        case let .outputKind(path, expected):
            return "output '\(path)' is not a \(expected)" + (expected == "directory"
                ? " (declared with a trailing '/')" : " (declare a directory output with a trailing '/')")
        case let .outputTree(path, reason):
            return "output '\(path)' cannot be stored (nothing was stored): \(reason)"
        case let .placement(path, reason):
            return "could not place input at \(path): \(reason)"
        case let .cannotStart(command, reason):
            return "could not start `\(command)`: \(reason)"
        }
    }

    /// A wait status as a person reads it: the exit status, or the signal that killed it.
    static func status(_ status: Int32) -> String {
        guard status > 128 else { return "exited with status \(status)" }
        let signal = status - 128
        let name = [SIGKILL: "SIGKILL (out of memory?)", SIGTERM: "SIGTERM", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT",
                    SIGINT: "SIGINT", SIGBUS: "SIGBUS"][signal] ?? "signal \(signal)"
        return "was killed by \(name) (status \(status))"
    }

    private static func render(_ tail: [String]) -> String {
        tail.isEmpty ? "" : "\n  last lines of its output:\n" + tail.map { "    | \($0)" }.joined(separator: "\n")
    }
}
