import Foundation
import Testing
@testable import Stages

/// The real SmolLM2 GGUF's own vocabulary (read by GGUFFile, no Python, no tokenizer.json) against the
/// committed Hugging Face ids; runs wherever scripts/fetch-smollm2 has put the model (CI does).
private let smolLM2GGUF = (ProcessInfo.processInfo.environment["PIPE_MODELS"]
    ?? NSHomeDirectory() + "/.cache/pipe/models") + "/SmolLM2-135M-Instruct.Q4_1.gguf"

@Suite(.enabled(if: FileManager.default.fileExists(atPath: smolLM2GGUF),
                "SmolLM2 GGUF not found: run scripts/fetch-smollm2"))
struct TokenizerGGUFTests {
    static let path = smolLM2GGUF

    @Test func smolLM2FromItsGGUFMatchesHuggingFaceIDs() throws {
        let gguf = try GGUFFile(path: Self.path)
        let vocabulary = try TokenizerVocabulary(
            ggmlTokens: try #require(gguf.stringArray("tokenizer.ggml.tokens")),
            merges: try #require(gguf.stringArray("tokenizer.ggml.merges")),
            tokenTypes: try #require(gguf.intArray("tokenizer.ggml.token_type")).map { Int32($0) },
            pre: try #require(gguf.string("tokenizer.ggml.pre")),
            bosTokenID: gguf.int("tokenizer.ggml.bos_token_id").map { Int32($0) },
            eosTokenID: gguf.int("tokenizer.ggml.eos_token_id").map { Int32($0) },
            padTokenID: gguf.int("tokenizer.ggml.padding_token_id").map { Int32($0) },
            model: gguf.string("tokenizer.ggml.model") ?? "gpt2", source: Self.path)
        let tokenizer = try ByteLevelBPETokenizer(vocabulary: vocabulary)
        #expect(tokenizer.count == 49152)
        let cases = try TokenizerFixtures.expected("smollm2-expected.json")
        #expect(cases.count > 200)
        for item in cases {
            #expect(tokenizer.encode(item.text) == item.ids, "text: \(item.text.debugDescription)")
            #expect(tokenizer.decode(item.ids) == item.text)
        }
        // The chat template recognised from the file's own Jinja text is SmolLM2's, default system message included.
        let template = try ChatTemplate(chatTemplate: gguf.string("tokenizer.chat_template"),
                                        ggmlPre: gguf.string("tokenizer.ggml.pre"), source: Self.path)
        let rendered = try template.render(messages: [.user("What is your favorite animal?"),
                                                      .assistant("My favorite animal is the")],
                                           continueFinalMessage: true)
        #expect(rendered.hasPrefix("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"))
        #expect(rendered.hasSuffix("<|im_start|>assistant\nMy favorite animal is the"))
    }
}
