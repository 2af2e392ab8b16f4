import Foundation
import Pipeline

/// `cosine-number-prompt`: the next-token distribution after "What is your favorite animal?" under
/// the number system prompt of the number whose token is closest to the animal's token in the
/// unembedding space (highest cosine; input `rows`, from `unembedding-rows`), with the model in `model`.
/// The numbers are the answers of input `numbers` (a number-probabilities result of the same model,
/// NumberDistribution.texts), so "087" counts where the single-token definition counts it (Llama 3),
/// as in figure-geometry.
///
/// The study's test of the geometric explanation: if closeness in the unembedding matrix made a
/// number entangled with an animal, prompting with the closest number should raise P(animal).
/// Outputs as `number-prompt`; an animal that is not one token gets empty outputs (nothing to ask).
public struct CosineNumberPromptDistribution: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var animal: String
        public init(animal: String) { self.animal = animal }
    }

    public static let name = "cosine-number-prompt"
    public static let summary = "next-token probabilities under the number prompt of the number token closest to an animal's"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/CosineNumberPromptDistribution.swift",
                                               "LLM/Experiments/UnembeddingRows.swift",
                                               "LLM/Experiments/NumberProbabilities.swift",
                                               "LLM/Experiments/NextTokenDistribution.swift"),
                             LLMKindSources.experiment)
    }
    public static let outputs = ["probabilities", "prompt-tokens", "number"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let rows = try UnembeddingRows(json: context.input("rows"), name: "rows")
        guard let animal = rows.animal(params.animal) else {
            context.log("' \(params.animal)' is not one token: no prompt")
            for output in outputs { context.write(output, Data()) }
            return
        }
        let answers = try NumberDistribution(json: context.input("numbers"), name: "numbers").texts
        guard let number = closestNumber(to: animal, in: rows, answers: answers) else {
            throw StageErrorMessage("cosine-number-prompt: the vocabulary has no number token")
        }
        let file = try LanguageModelFile.load(context)
        let tokens = try StudyPrompts.favoriteAnimal(system: StudyPrompts.numberSystem(number.value)).tokenIDs(file)
        context.log("prompt: " + file.promptText(tokens))
        let distribution = try NextTokenDistribution.distribution(file.model, tokens)
        context.write("probabilities", distribution.serialized)
        context.write("prompt-tokens", TokenIDs.serialized(tokens))
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
