import Foundation
import Pipeline

/// `unembedding-rows`: from the model in input `model`, the unembedding rows of the animal tokens
/// (" {animal}", those that are one token) and of every number token (1-3 digits, with or without a
/// leading space), as JSON `rows` (see UnembeddingRows).
///
/// Models without a tokenizer (the test fixtures) give the token ids in `fixed` instead.
public struct UnembeddingRowsExtraction: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var animals: [String]
        public var fixed: FixedTokens?
        public init(animals: [String], fixed: FixedTokens? = nil) { self.animals = animals; self.fixed = fixed }
    }

    /// Token ids chosen by hand: one per animal (in the order of `animals`) and the number tokens with their text.
    public struct FixedTokens: Codable, Sendable, Hashable {
        public var animals: [Int]
        public var numbers: [NumberToken]
        public init(animals: [Int], numbers: [NumberToken]) { self.animals = animals; self.numbers = numbers }
    }

    /// A number token: its id and the text it stands for.
    public struct NumberToken: Codable, Sendable, Hashable {
        public var text: String
        public var token: Int
        public init(text: String, token: Int) { self.text = text; self.token = token }
    }

    public static let name = "unembedding-rows"
    public static let summary = "the unembedding rows of the animal tokens and of every number token (JSON)"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/UnembeddingRowsExtraction.swift",
                                               "LLM/Experiments/UnembeddingRows.swift", "LLM/Experiments/UnembeddingMatrix.swift"),
                             LLMKindSources.experiment)
    }
    public static let outputs = ["rows"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let file = try LanguageModelFile.load(context)
        let rows = try extract(file, params)
        context.write("rows", try rows.json())
        let skipped = params.animals.filter { rows.animal($0) == nil }
        context.log("\(rows.animals.count) animal tokens, \(rows.numbers.count) number tokens; "
            + (rows.tied ? "tied embeddings" : "separate output matrix")
            + (skipped.isEmpty ? "" : "; not one token: " + skipped.joined(separator: ", ")))
    }

    static func extract(_ file: LanguageModelFile, _ params: Params) throws -> UnembeddingRows {
        let weights = file.model.weights
        let matrix = weights.output
        let vocabularySize = matrix.shape[0]
        func row(_ token: Int) throws -> [Float] { try file.model.unembeddingRows([token])[0] }
        var animals: [UnembeddingRows.Row] = [], numbers: [UnembeddingRows.Row] = []
        if let fixed = params.fixed {
            guard fixed.animals.count == params.animals.count else {
                throw StageErrorMessage("unembedding-rows: \(fixed.animals.count) fixed animal tokens for \(params.animals.count) animals")
            }
            for (animal, token) in zip(params.animals, fixed.animals) { animals.append(.init(label: animal, token: token, values: try row(token))) }
            for number in fixed.numbers { numbers.append(.init(label: number.text, token: number.token, values: try row(number.token))) }
        } else {
            guard file.tokenizer != nil else { throw StageErrorText.noTokenizer(file.source) }
            for animal in params.animals {
                if let token = file.singleToken(" " + animal) { animals.append(.init(label: animal, token: token, values: try row(token))) }
            }
            for token in 0..<vocabularySize {
                let text = file.text(of: token)
                if UnembeddingRows.isNumberToken(text) { numbers.append(.init(label: text, token: token, values: try row(token))) }
            }
        }
        return UnembeddingRows(tied: matrix === weights.embedding, animals: animals, numbers: numbers)
    }
}
