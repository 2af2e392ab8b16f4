/// Everything a byte-level BPE tokenizer is built from: tokens, merges, token types, pre-tokenizer, special ids.
public struct TokenizerVocabulary: Sendable, Equatable {
    /// Token strings by id, in byte-level spelling (added tokens as their literal text).
    public var tokens: [String]
    /// Merges in rank order (the first merges first).
    public var merges: [TokenMerge]
    /// GGUF token types by id (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte); may be empty.
    public var tokenTypes: [Int32]
    /// How text is cut into words before BPE.
    public var preTokenizer: PreTokenizer
    /// Beginning-of-sequence token id, if any.
    public var bosTokenID: Int32?
    /// End-of-sequence token id, if any.
    public var eosTokenID: Int32?
    /// Padding token id, if any.
    public var padTokenID: Int32?
    /// Tokens matched whole in the text before pre-tokenization (special tokens such as `<|im_start|>`).
    public var addedTokens: [AddedToken]
    /// Llama 3's `ignore_merges`: a word that is itself in the vocabulary becomes that one token.
    public var ignoreMerges: Bool
    /// Where this vocabulary came from, for error messages.
    public var source: String

    /// A vocabulary from its parts; added tokens default to the control (3) and user-defined (4) tokens.
    public init(tokens: [String], merges: [TokenMerge], tokenTypes: [Int32] = [], preTokenizer: PreTokenizer,
                bosTokenID: Int32? = nil, eosTokenID: Int32? = nil, padTokenID: Int32? = nil,
                addedTokens: [AddedToken]? = nil, ignoreMerges: Bool = false, source: String = "vocabulary") {
        self.tokens = tokens
        self.merges = merges
        self.tokenTypes = tokenTypes
        self.preTokenizer = preTokenizer
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.padTokenID = padTokenID
        self.addedTokens = addedTokens ?? AddedToken.fromTokenTypes(tokens: tokens, tokenTypes: tokenTypes)
        self.ignoreMerges = ignoreMerges
        self.source = source
    }

    /// A vocabulary with merges given as (left, right) pairs.
    public init(tokens: [String], merges: [(String, String)], tokenTypes: [Int32] = [], preTokenizer: PreTokenizer,
                bosTokenID: Int32? = nil, eosTokenID: Int32? = nil, padTokenID: Int32? = nil,
                addedTokens: [AddedToken]? = nil, ignoreMerges: Bool = false, source: String = "vocabulary") {
        self.init(tokens: tokens, merges: merges.map { TokenMerge(left: $0.0, right: $0.1) }, tokenTypes: tokenTypes,
                  preTokenizer: preTokenizer, bosTokenID: bosTokenID, eosTokenID: eosTokenID, padTokenID: padTokenID,
                  addedTokens: addedTokens, ignoreMerges: ignoreMerges, source: source)
    }
}

/// One BPE merge rule: the two adjacent tokens it joins.
public struct TokenMerge: Sendable, Equatable, Hashable {
    /// The left token.
    public var left: String
    /// The right token.
    public var right: String

    /// A merge of `left` and `right`.
    public init(left: String, right: String) {
        self.left = left
        self.right = right
    }

    /// A merge from its "left right" string form (as in GGUF and older tokenizer.json files).
    public init(parsing text: String, source: String = "vocabulary") throws {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[1].contains(" ") else {
            throw TokenizerError.malformedMerge(file: source, merge: text)
        }
        self.init(left: String(parts[0]), right: String(parts[1]))
    }
}

/// A token matched whole in the input text before pre-tokenization.
public struct AddedToken: Sendable, Equatable, Hashable {
    /// Its id.
    public var id: Int32
    /// Its literal text, such as `<|im_start|>`.
    public var content: String
    /// Special tokens (control tokens) are left out when decoding with `skipSpecialTokens`.
    public var special: Bool

    /// An added token.
    public init(id: Int32, content: String, special: Bool) {
        self.id = id
        self.content = content
        self.special = special
    }

    /// The control (3, special) and user-defined (4) tokens of a GGUF vocabulary, as llama.cpp matches them.
    public static func fromTokenTypes(tokens: [String], tokenTypes: [Int32]) -> [AddedToken] {
        var added: [AddedToken] = []
        for (index, type) in tokenTypes.enumerated() where (type == 3 || type == 4) && index < tokens.count {
            guard !tokens[index].isEmpty else { continue }
            added.append(AddedToken(id: Int32(index), content: tokens[index], special: type == 3))
        }
        return added
    }
}
