import Foundation
import Pipeline

/// `next-token`: the distribution of the token after a prompt, over the whole vocabulary, from one
/// forward pass of the model in input `model` (a GGUF file).
///
/// Outputs `probabilities` (softmax, Float32 little-endian, one per token id) and `prompt-tokens` (the
/// prompt's token ids, JSON). One prompt per stage, so each prompt's result is cached on its own.
public struct NextTokenDistribution: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var prompt: LLMPrompt
        public init(prompt: LLMPrompt) { self.prompt = prompt }
        public init(system: String?, user: String, assistantPrefix: String) {
            prompt = .chat(system: system, user: user, assistantPrefix: assistantPrefix)
        }
    }

    public static let name = "next-token"
    public static let summary = "next-token probabilities after a chat prompt (whole vocabulary) from a GGUF model"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/NextTokenDistribution.swift"), LLMKindSources.experiment)
    }
    public static let outputs = ["probabilities", "prompt-tokens"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let file = try LanguageModelFile.load(context)
        let tokens = try params.prompt.tokenIDs(file)
        context.log("prompt: " + file.promptText(tokens))
        let distribution = try distribution(file.model, tokens)
        context.write("probabilities", distribution.serialized)
        context.write("prompt-tokens", TokenIDs.serialized(tokens))
        let top = distribution.probabilities.indices.max { distribution.probabilities[$0] < distribution.probabilities[$1] }!
        context.log("\(tokens.count) prompt tokens; most probable next token \(file.text(of: top).debugDescription) "
            + String(format: "(%.4f)", distribution[top]))
    }

    /// softmax of the logits after `tokens`.
    public static func distribution(_ model: LlamaModel, _ tokens: [Int]) throws -> TokenDistribution {
        guard !tokens.isEmpty else { throw StageErrorMessage("next-token: the prompt has no tokens") }
        return try LanguageModelFile.exclusively {
            var cache = model.makeCache()
            return TokenDistribution(logits: try model.prefill(tokens, cache: &cache, threads: 2))
        }
    }
}
