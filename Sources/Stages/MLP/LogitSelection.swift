/// Which logits a student matches: the auxiliary ones, all of them, or a column range.
///
/// Coded as a string: "aux" (outputs 10..<outputs), "all" (0..<outputs) or "lower..<upper".
public enum LogitSelection: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    case aux
    case all
    case range(Int, Int)

    /// The columns for networks with `outputs` logits, or nil when they do not fit.
    public func columns(outputs: Int) -> Range<Int>? {
        let (lower, upper): (Int, Int)
        switch self {
        case .aux: (lower, upper) = (MLPShape.digits, outputs)
        case .all: (lower, upper) = (0, outputs)
        case let .range(l, u): (lower, upper) = (l, u)
        }
        return 0 <= lower && lower < upper && upper <= outputs ? lower..<upper : nil
    }

    public var description: String {
        switch self {
        case .aux: return "aux"
        case .all: return "all"
        case let .range(lower, upper): return "\(lower)..<\(upper)"
        }
    }

    public init(_ text: String) throws {
        switch text {
        case "aux": self = .aux
        case "all": self = .all
        default:
            let parts = text.split(separator: "..<", omittingEmptySubsequences: false)
            guard parts.count == 2, let lower = Int(parts[0]), let upper = Int(parts[1]) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [],
                    debugDescription: "logits must be \"aux\", \"all\" or \"lower..<upper\", not \"\(text)\""))
            }
            self = .range(lower, upper)
        }
    }

    public init(from decoder: Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
