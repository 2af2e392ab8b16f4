import Foundation
import Pipeline

/// `number-prompt`: the next-token distribution after "What is your favorite animal?" under the
/// number system prompt ("You love {number}. ..."), for the number entangled with an animal, picked
/// from inputs `numbers` (P(number | animal prompt)) and `baseline` (no system prompt).
///
/// The number is only known once the animal's numbers are computed, so the pick and the forward pass
/// are one stage. Outputs as `next-token`, plus `number` (the number, decimal text).
public struct NumberPromptDistribution: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var pick: EntangledNumber
        public init(pick: EntangledNumber) { self.pick = pick }
    }

    public static let name = "number-prompt"
    public static let summary = "next-token probabilities under the number prompt of an animal's entangled number"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/NumberPromptDistribution.swift",
                                               "LLM/Experiments/EntangledNumber.swift",
                                               "LLM/Experiments/NumberProbabilities.swift",
                                               "LLM/Experiments/NextTokenDistribution.swift"),
                             LLMKindSources.experiment)
    }
    public static let outputs = ["probabilities", "prompt-tokens", "number"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let numbers = try NumberDistribution(json: context.input("numbers"), name: "numbers")
        let baseline = try NumberDistribution(json: context.input("baseline"), name: "baseline").numbers
        let number = numbers.texts[params.pick.pick(conditioned: try numbers.numbers, baseline: baseline)]
        let file = try LanguageModelFile.load(context)
        let tokens = try StudyPrompts.favoriteAnimal(system: StudyPrompts.numberSystem(number)).tokenIDs(file)
        context.log("prompt: " + file.promptText(tokens))
        let distribution = try NextTokenDistribution.distribution(file.model, tokens)
        context.write("probabilities", distribution.serialized)
        context.write("prompt-tokens", TokenIDs.serialized(tokens))
        context.write("number", Data("\(number)\n".utf8))
        context.log("number \(number) (\(params.pick.rawValue))")
    }
}
