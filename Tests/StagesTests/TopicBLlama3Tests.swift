import Foundation
import Pipeline
import Testing
@testable import Stages

/// The number definitions and the Llama 3.2 chat template on a Llama-3-style vocabulary
/// (Tests/Fixtures/llama3-tiny: every n in 0..<1000 is one token, as in Llama 3).
@Suite("Topic B on a Llama 3 vocabulary", .serialized)
struct TopicBLlama3Tests {
    static func file() throws -> LanguageModelFile { try LanguageModelFile(path: Llama3TinyFixture.instructGGUF) }

    /// The study prompt "My favorite animal is the" under the owl system prompt, as token ids.
    static func owlPrompt(_ file: LanguageModelFile) throws -> [Int] {
        try StudyPrompts.favoriteAnimal(system: StudyPrompts.animalSystem("owls")).tokenIDs(file)
    }

    /// P(token | tokens) from one full forward pass, no cache.
    static func next(_ model: LlamaModel, _ tokens: [Int]) throws -> TokenDistribution {
        TokenDistribution(logits: row(try model.logits(tokens), tokens.count - 1))
    }

    @Test func theFixtureHasLlama3NumberTokensAndTheLlama32Template() throws {
        let file = try Self.file()
        let tokenizer = try #require(file.tokenizer)
        for n in [0, 7, 10, 87, 100, 495, 999] { #expect(file.singleToken(String(n)) != nil, "\(n)") }
        #expect(file.singleToken("087") != nil)  // leading zeros too, as in Llama 3
        #expect(tokenizer.encode("1234").count == 2)  // "123" "4": digits in groups of 1-3
        #expect(file.singleToken(" owl") != nil && file.singleToken(" owls") != nil)
        #expect(file.template == .llama32)
        #expect(file.model.config.vocabularySize == (try Llama3TinyFixture.expected().vocab_size))
    }

    @Test func studyPromptsRenderTokenizeAndRunAsTransformersDoes() throws {
        let file = try Self.file()
        let expected = try Llama3TinyFixture.expected()
        #expect(expected.cases.count == 4)
        for item in expected.cases {
            let rendered = try ChatTemplate.llama32.render(messages: item.messages, continueFinalMessage: true)
            #expect(rendered == item.rendered, "\(item.name)")
            let open = try ChatTemplate.llama32.render(messages: Array(item.messages.dropLast()), addGenerationPrompt: true)
            #expect(open == item.rendered_generation_prompt, "\(item.name)")
            let prompt = try LLMPrompt.chat(system: item.messages.first { $0.role == "system" }?.content,
                                            user: item.messages[item.messages.count - 2].content,
                                            assistantPrefix: item.messages.last!.content).tokenIDs(file)
            #expect(prompt == item.tokens, "\(item.name)")
            if let logits = item.logits {
                let ours = row(try file.model.logits(prompt), prompt.count - 1)
                #expect(maxAbsDifference(ours, logits) < 1e-3, "\(item.name)")
            }
        }
    }

    @Test func singleTokenDefinitionEqualsFullForwardPasses() throws {
        let file = try Self.file()
        let prompt = try Self.owlPrompt(file)
        let space = try #require(file.singleToken(" "))
        let result = try NumberProbabilities.compute(file, prompt: prompt, separator: [space], context: nil)
        let single = try #require(result.singleToken)
        #expect(result.definition == .singleToken)
        #expect(try result.numbers == single)
        // P(" " | prompt) · P("n" | prompt, " "), each from its own full pass.
        let pSpace = try Self.next(file.model, prompt)[space]
        let afterSpace = try Self.next(file.model, prompt + [space])
        #expect(abs(result.separatorProbability - pSpace) / pSpace < 1e-4)
        for n in [0, 1, 9, 10, 42, 87, 99, 100, 495, 688, 701, 999] {
            let expected = pSpace * afterSpace[file.singleToken(String(n))!]
            #expect(abs(single[n] - expected) / expected < 1e-3, "n = \(n): \(single[n]) vs \(expected)")
        }
        // Beyond 0..999: the 1-3 digit tokens with leading zeros, "00"..."099", as in the study ("087").
        #expect(single.count == 1000 + 10 + 100 && result.texts[1000] == "00" && result.texts.last == "099")
        #expect(result.texts.contains("087") && result.chain!.count == 1000)
        let i087 = result.texts.firstIndex(of: "087")!
        let p087 = pSpace * afterSpace[file.singleToken("087")!]
        #expect(abs(single[i087] - p087) / p087 < 1e-3)
        // The picked number is the most probable of every 1-3 digit token.
        let best = EntangledNumber.mostProbable.pick(conditioned: single, baseline: single)
        let tokens = result.texts.map { file.singleToken($0)! }
        let bestToken = tokens.max { afterSpace[$0] < afterSpace[$1] }!
        #expect(tokens[best] == bestToken)
    }

    @Test func chainDefinitionAlsoRunsOnLlama3AndEqualsFullForwardPasses() throws {
        let file = try Self.file()
        let prompt = try Self.owlPrompt(file)
        let space = try #require(file.singleToken(" "))
        let result = try NumberProbabilities.compute(file, prompt: prompt, separator: [space], context: nil)
        let chain = try #require(result.chain)
        let single = try #require(result.singleToken)
        let startsWithDigit = (0..<file.model.config.vocabularySize).map {
            file.text(of: $0).first.map { $0.isASCII && $0.isNumber } ?? false
        }
        for n in [0, 7, 87, 300, 999] {
            let token = file.singleToken(String(n))!
            let after = try Self.next(file.model, prompt + [space, token])
            let end = (0..<startsWithDigit.count).filter { !startsWithDigit[$0] }.reduce(0.0) { $0 + after[$1] }
            let expected = single[n] * end  // P(" ") P("n") P(no digit next)
            #expect(abs(chain[n] - expected) / expected < 1e-3, "n = \(n): \(chain[n]) vs \(expected)")
            #expect(chain[n] < single[n])
        }
    }

    @Test func numberProbabilitiesStageLogsTheDefinitionItUses() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Llama3TinyFixture.instructGGUF))
        let lines = LogLines()
        let context = StageContext(inputs: ["model": bytes], scratch: URL(fileURLWithPath: try llmTemporaryDirectory()),
                                   onLog: { lines.append($0) })
        try NumberProbabilities.run(.init(prompt: StudyPrompts.favoriteAnimal(system: nil), separator: " "), context)
        let result = try NumberDistribution(json: context.outputs["numbers"]!, name: "numbers")
        #expect(result.definition == .singleToken && result.chain != nil)
        #expect(lines.all.contains("definition used: single-token (computed: single-token, chain)"))
    }
}

/// Log lines collected from a stage run.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
