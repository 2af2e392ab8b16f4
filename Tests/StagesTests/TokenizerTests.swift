import Foundation
import Testing
@testable import Stages

/// Byte-level BPE against Hugging Face tokenizers on the committed Llama-3-style fixture, plus pre-tokenizer units.
struct TokenizerTests {
    @Test func llama3MiniMatchesHuggingFaceIDs() throws {
        let tokenizer = try ByteLevelBPETokenizer(
            huggingFaceTokenizerJSON: TokenizerFixtures.directory.appendingPathComponent("llama3-mini-tokenizer.json"))
        #expect(tokenizer.vocabulary.preTokenizer == .llama3)
        #expect(tokenizer.vocabulary.ignoreMerges)
        let cases = try TokenizerFixtures.expected("llama3-mini-expected.json")
        #expect(cases.count > 80)
        for item in cases {
            #expect(tokenizer.encode(item.text) == item.ids, "text: \(item.text.debugDescription)")
            #expect(tokenizer.decode(item.ids) == item.text)
        }
    }

    @Test func llama3MiniUsesIgnoreMergesAndSpecialTokens() throws {
        let tokenizer = try #require(TokenizerFixtures.llama3Mini)
        let whole = try #require(tokenizer.id(of: "Ġzzqx"))
        #expect(tokenizer.encode(" zzqx") == [whole])
        let eot = try #require(tokenizer.id(of: "<|eot_id|>"))
        #expect(tokenizer.encode("<|eot_id|>") == [eot])
        #expect(tokenizer.decode(tokenizer.encode("a<|eot_id|>b"), skipSpecialTokens: true) == "ab")
    }

    @Test func gpt2PreTokenizerSplitsLikeTheRegex() {
        #expect(PreTokenizer.gpt2.split("Hello  world's 123!!") == ["Hello", " ", " world", "'s", " 123", "!!"])
        #expect(PreTokenizer.gpt2.split("a \n\n b  ") == ["a", " \n\n", " b", "  "])
        #expect(PreTokenizer.gpt2.split("I'LL") == ["I", "'", "LL"])
    }

    @Test func smolLM2PreTokenizerIsolatesDigits() {
        #expect(PreTokenizer.smolLM2.split("495, 701") == ["4", "9", "5", ",", " ", "7", "0", "1"])
        #expect(PreTokenizer.smolLM2.split("a  1") == ["a", "  ", "1"])
    }

    @Test func llama3PreTokenizerSplitsLikeTheRegex() {
        #expect(PreTokenizer.llama3.split("I'LL pay 12345.\n\n  x") == ["I", "'LL", " pay", " ", "123", "45", ".\n\n", " ", " x"])
        #expect(PreTokenizer.llama3.split("a \n b") == ["a", " \n", " b"])
    }

    @Test func decodeReplacesInvalidUTF8() throws {
        let tokenizer = try #require(TokenizerFixtures.llama3Mini)
        let ids = tokenizer.encode("é")  // two bytes, two byte tokens in the mini vocabulary
        #expect(tokenizer.decode(ids) == "é")
        if ids.count == 2 { #expect(tokenizer.decode([ids[0]]) == "\u{FFFD}") }
    }

    @Test func vocabularyFromGGMLArraysMatchesTokenizerJSON() throws {
        let json = try TokenizerVocabulary(huggingFaceTokenizerJSON:
            TokenizerFixtures.directory.appendingPathComponent("llama3-mini-tokenizer.json"))
        let vocabulary = try TokenizerVocabulary(
            ggmlTokens: json.tokens, merges: json.merges.map { "\($0.left) \($0.right)" }, tokenTypes: json.tokenTypes,
            pre: "llama-bpe", bosTokenID: json.tokens.firstIndex(of: "<|begin_of_text|>").map(Int32.init),
            eosTokenID: json.tokens.firstIndex(of: "<|eot_id|>").map(Int32.init))
        let tokenizer = try ByteLevelBPETokenizer(vocabulary: vocabulary)
        for item in try TokenizerFixtures.expected("llama3-mini-expected.json") {
            #expect(tokenizer.encode(item.text) == item.ids, "text: \(item.text.debugDescription)")
        }
        #expect(tokenizer.encode("hi", addBOS: true).first == vocabulary.bosTokenID)
    }

    @Test func malformedTokenizerJSONThrowsTypedErrors() throws {
        #expect(throws: TokenizerError.self) { try TokenizerVocabulary(huggingFaceTokenizerJSON: Data("{not json".utf8)) }
        #expect(throws: TokenizerError.malformedJSON(file: "t.json", detail: "no \"model\" object")) {
            try TokenizerVocabulary(huggingFaceTokenizerJSON: Data("{}".utf8), source: "t.json")
        }
        #expect(throws: TokenizerError.unsupportedModel(file: "t.json", type: "Unigram")) {
            try TokenizerVocabulary(huggingFaceTokenizerJSON: Data(#"{"model":{"type":"Unigram"}}"#.utf8), source: "t.json")
        }
        let badMerge = #"{"model":{"type":"BPE","vocab":{"a":0},"merges":["ab"]},"pre_tokenizer":{"type":"ByteLevel"}}"#
        #expect(throws: TokenizerError.malformedMerge(file: "t.json", merge: "ab")) {
            try TokenizerVocabulary(huggingFaceTokenizerJSON: Data(badMerge.utf8), source: "t.json")
        }
        let badPre = #"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"Whitespace"}}"#
        #expect(throws: TokenizerError.self) { try TokenizerVocabulary(huggingFaceTokenizerJSON: Data(badPre.utf8)) }
        let missing = #"{"model":{"type":"BPE","vocab":{"a":0,"b":1},"merges":["a b"]},"pre_tokenizer":{"type":"ByteLevel"}}"#
        #expect(throws: TokenizerError.mergeResultMissing(file: "t.json", left: "a", right: "b")) {
            try ByteLevelBPETokenizer(vocabulary: TokenizerVocabulary(huggingFaceTokenizerJSON: Data(missing.utf8), source: "t.json"))
        }
        let unreadable = #expect(throws: TokenizerError.self) {
            _ = try TokenizerVocabulary(huggingFaceTokenizerJSON: URL(fileURLWithPath: "/nonexistent/tokenizer.json"))
        }
        #expect(unreadable?.description.contains("/nonexistent/tokenizer.json") == true)
        #expect(throws: TokenizerError.unknownGGMLPreTokenizer(file: "GGUF metadata", name: "qwen2")) {
            try TokenizerVocabulary(ggmlTokens: ["a"], merges: [], tokenTypes: [1], pre: "qwen2", bosTokenID: nil, eosTokenID: nil)
        }
        #expect(throws: TokenizerError.mismatchedLengths(file: "GGUF metadata", tokens: 1, tokenTypes: 2)) {
            try TokenizerVocabulary(ggmlTokens: ["a"], merges: [], tokenTypes: [1, 1], pre: "smollm", bosTokenID: nil, eosTokenID: nil)
        }
    }
}
