import Foundation
import Pipeline

/// `closest-number`: the number whose token is closest to an animal's token in the unembedding space
/// (highest cosine; input `rows`, from `unembedding-rows`), among the answers of input `numbers` (a
/// number-probabilities result of the same model, NumberDistribution.texts), so "087" counts where the
/// single-token definition counts it (Llama 3), as in figure-geometry. Output `number`: its text and a
/// newline, or empty when the animal is not one token (nothing to compare).
///
/// The study's test of the geometric explanation prompts with this number (`number-prompt`): if
/// closeness in the unembedding matrix made a number entangled with an animal, its prompt should
/// raise P(animal).
public struct ClosestNumber: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var animal: String
        public init(animal: String) { self.animal = animal }
    }

    public static let name = "closest-number"
    public static let summary = "the number token closest to an animal's token in the unembedding space (cosine)"
    public static var code: CodeFingerprint {
        sourceFingerprint("LLM/Experiments/ClosestNumber.swift", "LLM/Experiments/UnembeddingRows.swift",
                          "LLM/Experiments/NumberProbabilities.swift")
    }
    public static let outputs = ["number"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let rows = try UnembeddingRows(json: context.input("rows"), name: "rows")
        guard let animal = rows.animal(params.animal) else {
            context.log("' \(params.animal)' is not one token: no number")
            context.write("number", Data())
            return
        }
        let answers = try NumberDistribution(json: context.input("numbers"), name: "numbers").texts
        guard let number = closestNumber(to: animal, in: rows, answers: answers) else {
            throw StageErrorMessage("closest-number: the vocabulary has no number token")
        }
        context.write("number", Data("\(number.value)\n".utf8))
        context.log("number \(number.value): cosine " + String(format: "%.4f", number.cosine) + " with ' \(params.animal)'")
    }

    /// The answer among `answers` (its text) whose token has the highest cosine with `animal`
    /// (ties: the earlier answer, as UnembeddingGeometry).
    static func closestNumber(to animal: UnembeddingRows.Row, in rows: UnembeddingRows, answers: [String])
        -> (value: String, cosine: Double)? {
        let positions = UnembeddingRows.positions(answers)
        var best: (position: Int, cosine: Double)?
        for row in rows.numbers {
            guard let position = UnembeddingRows.answer(of: row.label, in: positions) else { continue }
            let cosine = RowSimilarity.cosine(animal.values, row.values)
            if best == nil || cosine > best!.cosine || (cosine == best!.cosine && position < best!.position) { best = (position, cosine) }
        }
        return best.map { (answers[$0.position], $0.cosine) }
    }
}
