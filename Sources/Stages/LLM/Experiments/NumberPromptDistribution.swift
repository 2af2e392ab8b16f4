import Foundation
import Pipeline

/// `number-prompt`: the next-token distribution after "What is your favorite animal?" under the
/// number system prompt ("You love {number}. ...") of the number in input `number` (text, from
/// `entangled-number` or `closest-number`), with the model in `model`.
///
/// The number is an input, not a parameter: it is only known once upstream stages ran, and the
/// stage's key holds its digest, so every stage that prompts with the same number has the same key
/// and the forward pass runs once. An empty `number` (an animal that is not one token) gives empty
/// outputs. Outputs as `next-token`, plus `number` (the input, passed on for the figures).
public struct NumberPromptDistribution: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public init() {}
    }

    public static let name = "number-prompt"
    public static let summary = "next-token probabilities under the number system prompt of the number in input `number`"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/NumberPromptDistribution.swift",
                                               "LLM/Experiments/NextTokenDistribution.swift"),
                             LLMKindSources.experiment)
    }
    public static let outputs = ["probabilities", "prompt-tokens", "number"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let text = String(decoding: try context.input("number"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            context.log("no number (the animal is not one token): no prompt")
            for output in outputs { context.write(output, Data()) }
            return
        }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw StageError.badInput(name: "number", reason: "not a number: \(text.debugDescription)")
        }
        let file = try LanguageModelFile.load(context)
        let tokens = try StudyPrompts.favoriteAnimal(system: StudyPrompts.numberSystem(text)).tokenIDs(file)
        context.log("prompt: " + file.promptText(tokens))
        let distribution = try NextTokenDistribution.distribution(file.model, tokens)
        context.write("probabilities", distribution.serialized)
        context.write("prompt-tokens", TokenIDs.serialized(tokens))
        context.write("number", Data("\(text)\n".utf8))
        context.log("number \(text)")
    }
}
