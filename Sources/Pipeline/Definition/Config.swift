import Foundation

/// The experiment's settings: each declared by the pipeline with a default and a line of help,
/// each overridable from the command line (`--set distill.epochs=10`).
///
/// The pipeline reads settings while it builds its graph, so an override changes the stages'
/// parameters and therefore their keys. An override of a setting nobody declared is an error
/// (with the closest declared names), found when the graph is finished.
public final class Config: @unchecked Sendable {
    /// One declared setting, for `pipe list`.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var type: String
        public var defaultValue: String
        public var value: String
        public var help: String
    }

    private var overrides: [String: String]
    private var used: Set<String> = []
    public private(set) var entries: [Entry] = []

    /// `overrides` maps a setting's key to its text from the command line.
    public init(overrides: [String: String] = [:]) {
        self.overrides = overrides
    }

    /// Parses `key=value` arguments of `--set`.
    public static func parseOverrides(_ arguments: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "=") else {
                throw PipelineError.malformedOverride(argument, reason: "expected KEY=VALUE")
            }
            let key = argument[..<equals].trimmingCharacters(in: .whitespaces)
            let value = String(argument[argument.index(after: equals)...])
            guard !key.isEmpty else {
                throw PipelineError.malformedOverride(argument, reason: "the key before '=' is empty")
            }
            guard key.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
                throw PipelineError.malformedOverride(argument, reason: "a key has only letters, digits, '.', '_' and '-'")
            }
            result[key] = value
        }
        return result
    }

    public func int(_ key: String, _ defaultValue: Int, _ help: String) throws -> Int {
        try value(key, "integer", defaultValue, String(defaultValue), help) { Int($0.replacingOccurrences(of: "_", with: "")) }
    }

    public func double(_ key: String, _ defaultValue: Double, _ help: String) throws -> Double {
        try value(key, "number", defaultValue, JSONValue.format(defaultValue), help) { Double($0) }
    }

    public func string(_ key: String, _ defaultValue: String, _ help: String) throws -> String {
        try value(key, "string", defaultValue, defaultValue, help) { $0 }
    }

    public func bool(_ key: String, _ defaultValue: Bool, _ help: String) throws -> Bool {
        try value(key, "true|false", defaultValue, String(defaultValue), help) {
            switch $0.lowercased() { case "true", "1", "yes": true; case "false", "0", "no": false; default: nil }
        }
    }

    /// A comma-separated list of integers, e.g. `--set exp2.teacher-epochs=0,1,2`.
    public func ints(_ key: String, _ defaultValue: [Int], _ help: String) throws -> [Int] {
        try value(key, "integers, comma-separated", defaultValue,
                  defaultValue.map(String.init).joined(separator: ","), help) { text in
            let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            return parts.isEmpty || parts.contains(where: { $0 == nil }) ? nil : parts.map { $0! }
        }
    }

    private func value<T>(_ key: String, _ type: String, _ defaultValue: T, _ defaultText: String,
                          _ help: String, _ parse: (String) -> T?) throws -> T {
        if let existing = entries.first(where: { $0.key == key }) {
            // Declared twice (e.g. by two experiments): both must agree, or one would silently win.
            precondition(existing.defaultValue == defaultText && existing.type == type,
                         "setting '\(key)' declared twice with different defaults or types")
        }
        var result = defaultValue
        var text = defaultText
        if let override = overrides[key] {
            guard let parsed = parse(override) else {
                throw PipelineError.badOverrideValue(key: key, value: override, expected: type)
            }
            result = parsed
            text = override
            used.insert(key)
        }
        if !entries.contains(where: { $0.key == key }) {
            entries.append(Entry(key: key, type: type, defaultValue: defaultText, value: text, help: help))
        }
        return result
    }

    /// The overrides no setting has read so far, sorted.
    var unusedOverrides: [String] { overrides.keys.filter { !used.contains($0) }.sorted() }

    /// Throws for the first override that no setting declared.
    func checkAllOverridesUsed() throws {
        for key in unusedOverrides {
            throw PipelineError.unknownSetting(key, suggestions: Suggest.closest(to: key, in: entries.map(\.key)))
        }
    }
}
