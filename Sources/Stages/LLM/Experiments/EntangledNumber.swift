import Foundation

/// How the number entangled with an animal is picked from P(number | animal prompt).
public enum EntangledNumber: String, Codable, Sendable, Hashable, CaseIterable {
    /// The most probable number under the animal prompt.
    case mostProbable = "most-probable"
    /// The number whose probability the animal prompt raises most, relative to no system prompt.
    case mostRaised = "most-raised"

    /// The index of the chosen number in `conditioned` (ties: the smallest; see NumberDistribution.texts).
    public func pick(conditioned: [Double], baseline: [Double]) -> Int {
        precondition(conditioned.count == baseline.count && !conditioned.isEmpty, "EntangledNumber: mismatched inputs")
        let score: (Int) -> Double
        switch self {
        case .mostProbable: score = { conditioned[$0] }
        case .mostRaised: score = { baseline[$0] > 0 ? conditioned[$0] / baseline[$0] : (conditioned[$0] > 0 ? .infinity : 0) }
        }
        var best = 0
        for n in conditioned.indices where score(n) > score(best) { best = n }
        return best
    }
}
