import Foundation
import Pipeline

/// The result of `number-probabilities`: P(answer is n), n in 0..<1000, under each definition the
/// vocabulary supports (JSON output `numbers`).
public struct NumberDistribution: Codable, Sendable, Equatable {
    /// The two definitions of P(answer is n).
    public enum Definition: String, Codable, Sendable {
        /// The original study's: P(next token is "n"), where every n in 0..<1000 is one token (Llama 3).
        case singleToken = "single-token"
        /// The general one: the chain rule over n's tokens, then a token that does not start with a digit.
        case chain = "chain"
    }

    public var promptTokens: [Int]
    public var separatorTokens: [Int]
    /// P(separator tokens | prompt).
    public var separatorProbability: Double
    /// The general definition (chain rule over n's tokens, then a non-digit), when n's tokens all start with digits.
    public var chain: [Double]?
    /// The single-token definition, P(next token is t) after the separator, when every n in 0..<1000 is one
    /// token: first t = "0"..."999" (index n), then the vocabulary's other tokens of 1-3 digits, those with
    /// leading zeros ("00"..."099" in Llama 3: the study's owl number is "087"), texts in `singleTokenTexts`.
    public var singleToken: [Double]?
    /// The token texts of `singleToken`'s entries beyond the first 1000.
    public var leadingZeroTexts: [String]?

    /// The definition the analyses use: the study's single tokens where the vocabulary has them (Llama 3),
    /// else the chain rule (SmolLM2, whose number tokens are the ten digits).
    public var definition: Definition? { singleToken != nil ? .singleToken : chain != nil ? .chain : nil }

    /// The answers of `numbers`, as text: "0"..."999", then (single-token definition) the leading-zero tokens.
    public var texts: [String] { (0..<1000).map(String.init) + (singleToken != nil ? leadingZeroTexts ?? [] : []) }

    /// P(answer) for each of `texts` under `definition`.
    public var numbers: [Double] {
        get throws {
            guard let values = singleToken ?? chain else { throw StageErrorMessage("no number definition fits this vocabulary") }
            return values
        }
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    public init(json data: Data, name: String) throws {
        do { self = try JSONDecoder().decode(NumberDistribution.self, from: data) } catch {
            throw StageError.badInput(name: name, reason: "not a number-probabilities result: \(error)")
        }
    }

    public init(promptTokens: [Int], separatorTokens: [Int], separatorProbability: Double, chain: [Double]?,
                singleToken: [Double]?, leadingZeroTexts: [String]? = nil) {
        self.promptTokens = promptTokens; self.separatorTokens = separatorTokens
        self.separatorProbability = separatorProbability; self.chain = chain; self.singleToken = singleToken
        self.leadingZeroTexts = leadingZeroTexts
    }
}

/// `number-probabilities`: P(the model answers the number n), n in 0..<1000, after a prompt.
///
/// The general definition by the chain rule over n's tokens, computed over a trie of KV caches (see
/// NumberTrie), for any vocabulary whose number tokens start with digits; where every n in 0..<1000
/// is a single token (Llama 3) also the single-token definition, which the analyses then use.
/// `separator` is the text between the prompt and the number (" " after "My favorite animal is the").
public struct NumberProbabilities: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var prompt: LLMPrompt
        public var separator: String
        public init(prompt: LLMPrompt, separator: String = "") { self.prompt = prompt; self.separator = separator }
    }

    public static let name = "number-probabilities"
    public static let summary = "P(answer is n), n in 0..999, after a prompt: single tokens (Llama 3) and the chain rule over a KV-cache trie"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/NumberProbabilities.swift", "LLM/Experiments/NumberTrie.swift",
                                               "LLM/Model/PrefixForks.swift", "LLM/Model/AttentionKernels.swift"),
                             LLMKindSources.experiment)
    }
    public static let outputs = ["numbers"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let file = try LanguageModelFile.load(context)
        let prompt = try params.prompt.tokenIDs(file)
        guard let tokenizer = file.tokenizer else {
            throw StageErrorMessage("number-probabilities needs the model's tokenizer (\(file.source) has none)")
        }
        context.log("prompt: " + file.promptText(prompt))
        let separator = params.separator.isEmpty ? [] : tokenizer.encode(params.separator).map(Int.init)
        let result = try LanguageModelFile.exclusively { try compute(file, prompt: prompt, separator: separator, context: context) }
        context.write("numbers", try result.json())
        let values = try result.numbers
        let best = result.texts[values.indices.max { values[$0] < values[$1] }!]
        context.log("definition used: \(result.definition!.rawValue) (computed: "
            + [result.singleToken.map { _ in "single-token" }, result.chain.map { _ in "chain" }].compactMap { $0 }.joined(separator: ", ") + ")")
        context.log("most probable number \(best) (" + String(format: "%.3g", values.max()!)
            + "); total P(0..999) " + String(format: "%.4f", values.reduce(0, +)))
    }

    /// Both definitions where the vocabulary allows them.
    static func compute(_ file: LanguageModelFile, prompt: [Int], separator: [Int], context: StageContext?) throws
        -> NumberDistribution {
        let vocabularySize = file.model.config.vocabularySize
        let texts = (0..<vocabularySize).map { file.text(of: $0) }
        let startsWithDigit = texts.map { $0.first.map { $0.isASCII && $0.isNumber } ?? false }
        // n as the tokenizer writes it; the chain rule needs every token to continue a number.
        let written = (0..<1000).map { n in file.tokenizer.map { $0.encode(String(n)).map(Int.init) } ?? [] }
        let chainFits = written.allSatisfy { !$0.isEmpty && $0.allSatisfy { startsWithDigit[$0] } }
        let singles = (0..<1000).map { file.singleToken(String($0)) }
        var chain: [Double]?
        var separatorProbability = 1.0
        var root: TokenDistribution
        if chainFits {
            let trie = try NumberTrie.probabilities(
                file.model, prompt: prompt, separator: separator,
                vocabulary: .init(numbers: written, startsWithDigit: startsWithDigit),
                progress: { context?.progress(Double(min($0, 1000)), of: 1000, "numbers") },
                cancelled: { context?.isCancelled ?? false })
            chain = trie.numbers
            separatorProbability = trie.separator
            root = trie.root
        } else {
            var cache = file.model.makeCache()
            var logits = try file.model.prefill(prompt, cache: &cache)
            for token in separator {
                separatorProbability *= TokenDistribution(logits: logits)[token]
                logits = try file.model.step(token, cache: &cache)
            }
            root = TokenDistribution(logits: logits)
        }
        guard singles.allSatisfy({ $0 != nil }) else {
            return NumberDistribution(promptTokens: prompt, separatorTokens: separator, separatorProbability: separatorProbability,
                                      chain: chain, singleToken: nil)
        }
        // The study counts every 1-3 digit token, so those with leading zeros ("087") as well.
        func isLeadingZeroNumber(_ id: Int) -> Bool {
            let text = texts[id]
            guard text.count == 2 || text.count == 3, text.first == "0" else { return false }
            return text.allSatisfy { $0.isASCII && $0.isNumber }
        }
        // Shorter first, then in text order: "00"..."09", "000"..."099".
        let leadingZero = (0..<vocabularySize).filter(isLeadingZeroNumber).sorted {
            (texts[$0].count, texts[$0]) < (texts[$1].count, texts[$1])
        }
        let singleToken = (singles.map { $0! } + leadingZero).map { root[$0] * separatorProbability }
        return NumberDistribution(promptTokens: prompt, separatorTokens: separator, separatorProbability: separatorProbability,
                                  chain: chain, singleToken: singleToken, leadingZeroTexts: leadingZero.map { texts[$0] })
    }
}
