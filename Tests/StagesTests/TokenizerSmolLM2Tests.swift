import Foundation
import Testing
@testable import Stages

/// SmolLM2-135M-Instruct's real vocabulary against Hugging Face tokenizers; skipped when the exported
/// tokenizer.json is absent (make it with scripts/fixtures/make_tokenizer_fixtures.py --gguf …).
@Suite(.enabled(if: TokenizerFixtures.smolLM2TokenizerJSON != nil,
                "SmolLM2 tokenizer.json not found: set PIPE_SMOLLM2_TOKENIZER or run scripts/fixtures/make_tokenizer_fixtures.py"))
struct TokenizerSmolLM2Tests {
    static let tokenizer: ByteLevelBPETokenizer? = TokenizerFixtures.smolLM2TokenizerJSON.flatMap {
        try? ByteLevelBPETokenizer(huggingFaceTokenizerJSON: $0)
    }

    @Test func smolLM2MatchesHuggingFaceIDs() throws {
        let tokenizer = try #require(Self.tokenizer)
        #expect(tokenizer.vocabulary.preTokenizer == .smolLM2)
        #expect(tokenizer.count == 49152)
        for item in try TokenizerFixtures.expected("smollm2-expected.json") {
            #expect(tokenizer.encode(item.text) == item.ids, "text: \(item.text.debugDescription)")
            #expect(tokenizer.decode(item.ids) == item.text)
        }
    }

    @Test func smolLM2FromGGMLArraysMatchesHuggingFaceIDs() throws {
        let json = try #require(Self.tokenizer).vocabulary
        // The arrays a GGUF reader hands over: tokens, "a b" merges, token types (3 = control), pre, bos/eos.
        let vocabulary = try TokenizerVocabulary(
            ggmlTokens: json.tokens, merges: json.merges.map { "\($0.left) \($0.right)" }, tokenTypes: json.tokenTypes,
            pre: "smollm", bosTokenID: 1, eosTokenID: 2, padTokenID: 2)
        let tokenizer = try ByteLevelBPETokenizer(vocabulary: vocabulary)
        #expect(tokenizer.token(1) == "<|im_start|>" && tokenizer.token(2) == "<|im_end|>")
        for item in try TokenizerFixtures.expected("smollm2-expected.json") {
            #expect(tokenizer.encode(item.text) == item.ids, "text: \(item.text.debugDescription)")
        }
    }

    @Test func smolLM2EncodesManyPromptsQuickly() throws {
        let tokenizer = try #require(Self.tokenizer)
        let prompt = try ChatTemplate.smolLM2.render(
            messages: [.user("Continue this sequence with 10 more numbers: 495, 701, 688, 312, 087. Answer with numbers only.")],
            addGenerationPrompt: true)
        let start = Date()
        var total = 0
        for i in 0..<2000 { total += tokenizer.encode(prompt + " \(i) owls are wonderful birds of prey").count }
        let seconds = Date().timeIntervalSince(start)
        #expect(total > 0)
        #expect(seconds < 10, "2000 prompts took \(seconds) s")
    }
}
