extension TokenizerVocabulary {
    /// A vocabulary from GGUF tokenizer metadata: tokenizer.ggml.tokens, .merges, .token_type, .pre and the special ids.
    /// Only tokenizer.ggml.model "gpt2" (byte-level BPE) is supported.
    public init(ggmlTokens tokens: [String], merges: [String], tokenTypes: [Int32], pre: String,
                bosTokenID: Int32?, eosTokenID: Int32?, padTokenID: Int32? = nil,
                model: String = "gpt2", source: String = "GGUF metadata") throws {
        guard model == "gpt2" else { throw TokenizerError.unsupportedModel(file: source, type: "ggml \(model)") }
        guard let preTokenizer = PreTokenizer(ggmlName: pre) else {
            throw TokenizerError.unknownGGMLPreTokenizer(file: source, name: pre)
        }
        guard tokenTypes.isEmpty || tokenTypes.count == tokens.count else {
            throw TokenizerError.mismatchedLengths(file: source, tokens: tokens.count, tokenTypes: tokenTypes.count)
        }
        for (name, id) in [("bos_token_id", bosTokenID), ("eos_token_id", eosTokenID), ("padding_token_id", padTokenID)] {
            if let id, id < 0 || Int(id) >= tokens.count {
                throw TokenizerError.specialTokenOutOfRange(file: source, name: name, id: id, vocabularySize: tokens.count)
            }
        }
        let parsed = try merges.map { try TokenMerge(parsing: $0, source: source) }
        // llama.cpp sets ignore_merges for the Llama 3 pre-tokenizer, as Llama 3's tokenizer.json does.
        self.init(tokens: tokens, merges: parsed, tokenTypes: tokenTypes, preTokenizer: preTokenizer,
                  bosTokenID: bosTokenID, eosTokenID: eosTokenID, padTokenID: padTokenID,
                  ignoreMerges: preTokenizer == .llama3, source: source)
    }
}
