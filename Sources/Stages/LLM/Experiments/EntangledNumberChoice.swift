import Foundation
import Pipeline

/// `entangled-number`: the number entangled with an animal, picked from inputs `numbers`
/// (P(number | animal prompt)) and `baseline` (no system prompt). Output `number`: its text and a
/// newline ("087\n").
///
/// A stage of its own, apart from the forward pass under the number's prompt (`number-prompt`):
/// that stage's key then holds the number's digest, not the animal, so animals entangled with the
/// same number share one forward pass (the study's 75 number prompts are 17 distinct prompts).
public struct EntangledNumberChoice: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var pick: EntangledNumber
        public init(pick: EntangledNumber) { self.pick = pick }
    }

    public static let name = "entangled-number"
    public static let summary = "the number entangled with an animal: the most probable, or most raised, under its prompt"
    public static var code: CodeFingerprint {
        sourceFingerprint("LLM/Experiments/EntangledNumberChoice.swift", "LLM/Experiments/EntangledNumber.swift",
                          "LLM/Experiments/NumberProbabilities.swift")
    }
    public static let outputs = ["number"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let numbers = try NumberDistribution(json: context.input("numbers"), name: "numbers")
        let baseline = try NumberDistribution(json: context.input("baseline"), name: "baseline").numbers
        let conditioned = try numbers.numbers
        let index = params.pick.pick(conditioned: conditioned, baseline: baseline)
        let number = numbers.texts[index]
        context.write("number", Data("\(number)\n".utf8))
        context.log("number \(number) (\(params.pick.rawValue)): P " + String(format: "%.3g", conditioned[index])
            + " under the animal's prompt, " + String(format: "%.3g", baseline[index]) + " without a system prompt")
    }
}
