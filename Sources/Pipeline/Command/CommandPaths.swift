import Foundation

/// The relative paths a command stage places inputs at and takes outputs from: inside its
/// directory, always (no absolute path, no "..").
enum CommandPaths {
    /// Why `path` cannot be a placement path, or nil if it can.
    static func problem(_ path: String) -> String? {
        if path.isEmpty || path == "/" { return "an empty path" }
        if path.hasPrefix("/") { return "'\(path)' is absolute; give a path relative to the stage's directory" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.contains("..") { return "'\(path)' leaves the stage's directory (..)" }
        if parts.allSatisfy({ $0 == "." }) { return "'\(path)' is the stage's directory itself" }
        if path.contains("\u{0}") { return "'\(path)' contains a NUL byte" }
        return nil
    }

    /// `path` without "." components, duplicate slashes or a trailing slash.
    static func normalized(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.joined(separator: "/")
    }

    /// Whether `inner` is `outer` or lies inside it (both normalized).
    static func contains(_ outer: String, _ inner: String) -> Bool {
        inner == outer || inner.hasPrefix(outer + "/")
    }
}
