import Foundation
import Pipeline

/// Rows of a model's unembedding matrix (the output matrix, or the token embeddings when they are
/// tied): the animal tokens and every number token, as `unembedding-rows` writes them (JSON `rows`).
///
/// A few dozen rows instead of the whole matrix, so the figure stages read kilobytes, not the model.
public struct UnembeddingRows: Codable, Sendable, Equatable {
    /// One token's row.
    public struct Row: Codable, Sendable, Equatable {
        /// The animal (for animal rows) or the token's text (" 7", "42").
        public var label: String
        public var token: Int
        public var values: [Float]
        public init(label: String, token: Int, values: [Float]) { self.label = label; self.token = token; self.values = values }
    }

    /// Whether the rows come from the token embeddings (tied) or a separate output matrix.
    public var tied: Bool
    /// One row per animal whose " {animal}" is one token, in the order asked.
    public var animals: [Row]
    /// One row per number token (1-3 digits, with or without a leading space), by token id.
    public var numbers: [Row]

    public init(tied: Bool, animals: [Row], numbers: [Row]) { self.tied = tied; self.animals = animals; self.numbers = numbers }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    public init(json data: Data, name: String) throws {
        do { self = try JSONDecoder().decode(UnembeddingRows.self, from: data) } catch {
            throw StageError.badInput(name: name, reason: "not an unembedding-rows result: \(error)")
        }
    }

    public func animal(_ name: String) -> Row? { animals.first { $0.label == name } }

    /// The answer a number token stands for among `answers` (NumberDistribution.texts by position,
    /// see `positions`): its digits without the leading space, when they are one of the answers. Under
    /// the chain definition (SmolLM2) the answers are "0"..."999", so "087" stands for none (its value
    /// 87 is another answer's); under the single-token definition (Llama 3) "087" is an answer of its own.
    public static func answer(of text: String, in answers: [String: Int]) -> Int? {
        guard isNumberToken(text) else { return nil }
        return answers[text.hasPrefix(" ") ? String(text.dropFirst()) : text]
    }

    /// Each answer text's position in `texts`.
    public static func positions(_ texts: [String]) -> [String: Int] {
        Dictionary(texts.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether `text` is a number token: 1-3 ASCII digits, optionally after one space.
    public static func isNumberToken(_ text: String) -> Bool {
        let digits = text.hasPrefix(" ") ? text.dropFirst() : Substring(text)
        return (1...3).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// Cosine and dot product of two rows, summed in Double.
public enum RowSimilarity {
    public static func dot(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "RowSimilarity: rows of \(a.count) and \(b.count) values")
        var sum = 0.0
        for i in a.indices { sum += Double(a[i]) * Double(b[i]) }
        return sum
    }

    /// 0 when either row is zero.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        let norms = (dot(a, a) * dot(b, b)).squareRoot()
        return norms > 0 ? dot(a, b) / norms : 0
    }
}
