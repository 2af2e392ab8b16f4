import Foundation

/// Why a tokenizer could not be built: what failed, in which file, and how to fix it.
public enum TokenizerError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case cannotRead(file: String, reason: String)
    case malformedJSON(file: String, detail: String)
    case unsupportedModel(file: String, type: String)
    case unsupportedPreTokenizer(file: String, description: String)
    case unknownGGMLPreTokenizer(file: String, name: String)
    case malformedMerge(file: String, merge: String)
    case mergeResultMissing(file: String, left: String, right: String)
    case mismatchedLengths(file: String, tokens: Int, tokenTypes: Int)
    case specialTokenOutOfRange(file: String, name: String, id: Int32, vocabularySize: Int)

    public var description: String {
        switch self {
        case let .cannotRead(file, reason):
            return "Cannot read tokenizer file \(file): \(reason). Check the path, or regenerate it with scripts/fixtures/make_tokenizer_fixtures.py."
        case let .malformedJSON(file, detail):
            return "Malformed tokenizer.json \(file): \(detail). Re-export it with the Hugging Face tokenizers library (Tokenizer.save)."
        case let .unsupportedModel(file, type):
            return "Tokenizer \(file) has model type \(type); only byte-level BPE (\"BPE\" / ggml \"gpt2\") is supported."
        case let .unsupportedPreTokenizer(file, description):
            return "Tokenizer \(file) uses an unsupported pre-tokenizer (\(description)); supported: SmolLM2 (Digits + ByteLevel), GPT-2 (ByteLevel), Llama 3 (Split + ByteLevel)."
        case let .unknownGGMLPreTokenizer(file, name):
            return "Tokenizer \(file) names ggml pre-tokenizer \"\(name)\"; supported: smollm, llama-bpe (llama3, llama-v3), gpt-2 (default)."
        case let .malformedMerge(file, merge):
            return "Tokenizer \(file) has a malformed merge \"\(merge)\"; merges are \"left right\" strings or [left, right] pairs."
        case let .mergeResultMissing(file, left, right):
            return "Tokenizer \(file) merges \"\(left)\" + \"\(right)\" into a token that is not in its vocabulary; the file is truncated or inconsistent."
        case let .mismatchedLengths(file, tokens, tokenTypes):
            return "Tokenizer \(file) has \(tokens) tokens but \(tokenTypes) token types; pass tokenizer.ggml.token_type of the same file, or an empty array."
        case let .specialTokenOutOfRange(file, name, id, size):
            return "Tokenizer \(file) gives \(name) id \(id), outside its vocabulary of \(size) tokens; check the metadata."
        }
    }

    public var errorDescription: String? { description }
}
