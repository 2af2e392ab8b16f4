import Foundation
import Pipeline

extension LlamaModel {
    /// Rows `ids` of the unembedding matrix (`weights.output`: lm_head / output.weight, or the token
    /// embeddings when they are tied), each `hiddenSize` floats: the direction each token's logit reads
    /// from the final hidden state. The one reader of these rows (unembedding-rows, figure-base-vs-instruct).
    public func unembeddingRows(_ ids: [Int]) throws -> [[Float]] {
        let output = weights.output
        let vocabularySize = output.shape[0], columns = output.shape[1]
        return try ids.map { id in
            guard (0..<vocabularySize).contains(id) else {
                throw StageErrorMessage("unembedding rows: token \(id) is outside the vocabulary of \(vocabularySize)")
            }
            return Array(UnsafeBufferPointer(start: output.pointer + id * columns, count: columns))
        }
    }
}
