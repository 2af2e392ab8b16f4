import Foundation

/// Rows of a model's unembedding matrix (lm_head / output.weight, or the token embedding when tied):
/// the direction each token's logit reads from the final hidden state.
public enum UnembeddingRows {
    /// The rows of token ids `ids`, each `hiddenSize` floats.
    public static func rows(_ model: LlamaModel, _ ids: [Int]) -> [[Float]] {
        let output = model.weights.output
        let columns = output.shape[1]
        return ids.map { id in
            precondition(id >= 0 && id < output.shape[0], "UnembeddingRows: token \(id) outside a vocabulary of \(output.shape[0])")
            return Array(UnsafeBufferPointer(start: output.pointer + id * columns, count: columns))
        }
    }

    /// cos(a, b), summed in Double; 0 when either row is zero.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "UnembeddingRows.cosine: \(a.count) vs \(b.count) values")
        var dot = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            let x = Double(a[i]), y = Double(b[i])
            dot += x * y; aa += x * x; bb += y * y
        }
        return aa > 0 && bb > 0 ? dot / (aa.squareRoot() * bb.squareRoot()) : 0
    }
}
