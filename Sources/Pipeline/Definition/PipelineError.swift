import Foundation

/// Errors in the pipeline's definition or in how it was asked to run; each says what and the fix.
public enum PipelineError: Error, CustomStringConvertible, Sendable, Equatable {
    case unknownTarget(String, suggestions: [String])
    case unknownStage(String, suggestions: [String])
    case duplicateStage(String)
    case duplicateTarget(String)
    case cycle([String])
    case unknownInputStage(stage: String, input: String, missing: String)
    case unknownOutput(stage: String, input: String, upstream: String, output: String, available: [String])
    case malformedOverride(String, reason: String)
    case badOverrideValue(key: String, value: String, expected: String)
    case unknownSetting(String, suggestions: [String])
    case badParameters(stage: String, reason: String)
    /// A command stage's declaration cannot work (a path escapes its directory, an output is
    /// also an input, the argv is empty).
    case badCommand(stage: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownTarget(name, suggestions):
            return "no target or stage named '\(name)'" + Self.didYouMean(suggestions) + "; `pipe list` shows them all"
        case let .unknownStage(name, suggestions):
            return "no stage named '\(name)'" + Self.didYouMean(suggestions) + "; `pipe list` shows them all"
        case let .duplicateStage(name):
            return "two different stages are named '\(name)' in the pipeline; stage names must be unique"
        case let .duplicateTarget(name):
            return "two targets are named '\(name)' in the pipeline; target names must be unique"
        case let .cycle(path):
            return "dependency cycle: " + path.joined(separator: " -> ")
        case let .unknownInputStage(stage, input, missing):
            return "stage '\(stage)': input '\(input)' refers to stage '\(missing)', which the pipeline does not define"
        case let .unknownOutput(stage, input, upstream, output, available):
            return "stage '\(stage)': input '\(input)' refers to output '\(output)' of '\(upstream)', which writes only: "
                + available.joined(separator: ", ")
        case let .malformedOverride(argument, reason):
            return "malformed --set '\(argument)': \(reason) (example: --set distill.epochs=10)"
        case let .badOverrideValue(key, value, expected):
            return "--set \(key)=\(value): '\(value)' is not a valid \(expected)"
        case let .unknownSetting(key, suggestions):
            return "--set \(key): no such setting" + Self.didYouMean(suggestions) + "; `pipe list --settings` shows them"
        case let .badCommand(stage, reason):
            return "command stage '\(stage)': \(reason)"
        case let .badParameters(stage, reason):
            return "stage '\(stage)': its parameters cannot be encoded: \(reason)"
        }
    }

    static func didYouMean(_ suggestions: [String]) -> String {
        suggestions.isEmpty ? "" : " (did you mean " + suggestions.map { "'\($0)'" }.joined(separator: ", ") + "?)"
    }
}
