import Foundation

/// Test accuracy of a batch of models, as the evaluation stage stores it (JSON).
public struct AccuracySummary: Codable, Sendable, Equatable {
    /// One accuracy in [0, 1] per model, in model order.
    public var accuracies: [Double]
    /// Mean of `accuracies`.
    public var mean: Double
    /// Half-width of the 95% interval: 1.96 * sample std (n - 1) / sqrt(n); 0 for one model.
    public var ci95: Double

    public init(accuracies: [Double]) {
        let n = Double(accuracies.count)
        let mean = accuracies.reduce(0, +) / max(n, 1)
        let variance = accuracies.count > 1
            ? accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1) : 0
        self.accuracies = accuracies
        self.mean = mean
        self.ci95 = accuracies.count > 1 ? 1.96 * variance.squareRoot() / n.squareRoot() : 0
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try! encoder.encode(self)
    }

    public init(json data: Data) throws {
        self = try JSONDecoder().decode(AccuracySummary.self, from: data)
    }
}
