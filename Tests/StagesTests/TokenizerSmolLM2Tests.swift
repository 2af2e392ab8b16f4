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
        let url = try #require(TokenizerFixtures.smolLM2TokenizerJSON)
        let tokenizer = try ByteLevelBPETokenizer(huggingFaceTokenizerJSON: url)  // a fresh, empty word cache
        let prompt = try ChatTemplate.smolLM2.render(
            messages: [.user("Continue this sequence with 10 more numbers: 495, 701, 688, 312, 087. Answer with numbers only.")],
            addGenerationPrompt: true)
        // Mostly unseen words (pseudo-random letters), so the BPE itself is timed, not only the cache.
        var state: UInt64 = 42
        func word() -> String {
            var letters = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var bits = state >> 20
            for _ in 0..<(4 + Int(bits % 9)) {
                letters.unicodeScalars.append(Unicode.Scalar(UInt8(97 + bits % 26)))
                bits /= 26
            }
            return letters
        }
        let prompts = (0..<2000).map { _ in prompt + (0..<20).map { _ in word() }.joined(separator: " ") }
        let start = Date()
        let total = prompts.reduce(0) { $0 + tokenizer.encode($1).count }
        let seconds = Date().timeIntervalSince(start)
        #expect(total > 2000 * 60)
        print("SmolLM2: 2000 prompts, \(total) tokens in \(String(format: "%.3f", seconds)) s")
    }
}
