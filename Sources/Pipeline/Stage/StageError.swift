import Foundation

/// Errors a stage body raises about its own inputs and outputs.
public enum StageError: Error, CustomStringConvertible, Sendable {
    case missingInput(name: String, available: [String])
    case badInput(name: String, reason: String)
    case failed(String)

    public var description: String {
        switch self {
        case let .missingInput(name, available):
            return "input '\(name)' is not wired to this stage (it has: \(available.joined(separator: ", ")))"
        case let .badInput(name, reason):
            return "input '\(name)' is not usable: \(reason)"
        case let .failed(message):
            return message
        }
    }
}
