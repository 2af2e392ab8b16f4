import Foundation

/// The environment a command stage runs in: a fixed minimal set from pipe's own, then pipe's
/// settings for reproducibility, then what the stage declares. Nothing else of the caller's
/// environment reaches the command, so an unrelated variable can neither change a result nor
/// need to be part of its key.
public enum CommandEnvironment {
    /// Taken from pipe's environment when set, and NOT part of the key: where programs are found
    /// (the program's own digest is in the key), who and where the user is, how text is encoded.
    public static let passedThrough = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM"]

    /// Always set, and part of what the runner version stands for: Python's hash seed fixed (set
    /// and dict order otherwise vary per run), no bytecode written beside the inputs.
    public static let fixed = ["PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"]

    /// PATH when pipe itself has none.
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// The variables of one run; `temporary` becomes TMPDIR (inside the stage's scratch).
    static func variables(declared: [String: String], temporary: String?,
                          from outer: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var result: [String: String] = [:]
        for name in passedThrough { if let value = outer[name] { result[name] = value } }
        if result["PATH"] == nil { result["PATH"] = defaultPath }
        for (name, value) in fixed { result[name] = value }
        if let temporary { result["TMPDIR"] = temporary }
        for (name, value) in declared { result[name] = value }
        return result
    }

    /// Whether `name` can be a variable's name (letters, digits, '_', not starting with a digit).
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
            || ("0"..."9").contains($0) }
    }
}
