import Foundation

/// A byte-level BPE tokenizer (GPT-2, SmolLM2, Llama 3) that encodes text to ids exactly as Hugging Face does.
public final class ByteLevelBPETokenizer: @unchecked Sendable {
    /// The vocabulary this tokenizer was built from.
    public let vocabulary: TokenizerVocabulary
    private let idForToken: [String: Int32]
    private let idForByte: [Int32]
    private let merger: BytePairMerger
    private let addedTokens: AddedTokenMatcher
    private let bytesForID: [[UInt8]]
    private let special: [Bool]
    private let lock = NSLock()
    private var cache: [String: [Int32]] = [:]
    private static let cacheLimit = 200_000

    /// A tokenizer for `vocabulary`; throws when a merge yields a token missing from the vocabulary.
    public init(vocabulary: TokenizerVocabulary) throws {
        self.vocabulary = vocabulary
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocabulary.tokens.count)
        for (index, token) in vocabulary.tokens.enumerated() where !token.isEmpty && ids[token] == nil {
            ids[token] = Int32(index)
        }
        idForToken = ids
        idForByte = ByteLevelAlphabet.scalarForByte.map { ids[String(Character($0))] ?? -1 }
        var ranks: [UInt64: (rank: Int32, id: Int32)] = [:]
        ranks.reserveCapacity(vocabulary.merges.count)
        for (rank, merge) in vocabulary.merges.enumerated() {
            guard let left = ids[merge.left], let right = ids[merge.right] else { continue }
            guard let merged = ids[merge.left + merge.right] else {
                throw TokenizerError.mergeResultMissing(file: vocabulary.source, left: merge.left, right: merge.right)
            }
            let key = BytePairMerger.key(left, right)
            if ranks[key] == nil { ranks[key] = (Int32(rank), merged) }
        }
        merger = BytePairMerger(ranks: ranks)
        addedTokens = AddedTokenMatcher(vocabulary.addedTokens)
        bytesForID = vocabulary.tokens.map { ByteLevelAlphabet.decode($0) ?? Array($0.utf8) }
        var special = [Bool](repeating: false, count: vocabulary.tokens.count)
        for token in vocabulary.addedTokens where token.special && Int(token.id) < special.count { special[Int(token.id)] = true }
        self.special = special
    }

    /// A tokenizer from a Hugging Face tokenizer.json file.
    public convenience init(huggingFaceTokenizerJSON url: URL) throws {
        try self.init(vocabulary: TokenizerVocabulary(huggingFaceTokenizerJSON: url))
    }

    /// Number of token ids.
    public var count: Int { vocabulary.tokens.count }

    /// The id of a token string (byte-level spelling, or an added token's text), or nil.
    public func id(of token: String) -> Int32? { idForToken[token] }

    /// The ids of `text`; added tokens in the text become their ids. `addBOS` prepends the BOS id, if there is one.
    public func encode(_ text: String, addBOS: Bool = false) -> [Int32] {
        var ids: [Int32] = []
        if addBOS, let bos = vocabulary.bosTokenID { ids.append(bos) }
        let scalars = Array(text.unicodeScalars)
        var words: [Range<Int>] = []
        for piece in addedTokens.pieces(scalars) {
            switch piece {
            case .token(let id):
                ids.append(id)
            case .text(let range):
                words.removeAll(keepingCapacity: true)
                vocabulary.preTokenizer.split(scalars, range, into: &words)
                for word in words { ids.append(contentsOf: encodeWord(scalars[word])) }
            }
        }
        return ids
    }

    /// The ids of one pre-tokenized word.
    private func encodeWord(_ scalars: ArraySlice<Unicode.Scalar>) -> [Int32] {
        let bytes = Array(String(String.UnicodeScalarView(scalars)).utf8)
        let key = ByteLevelAlphabet.encode(bytes: bytes)
        lock.lock()
        let cached = cache[key]
        lock.unlock()
        if let cached { return cached }
        let result: [Int32]
        if vocabulary.ignoreMerges, let whole = idForToken[key] {
            result = [whole]
        } else {
            // A byte missing from the vocabulary is dropped, as HF's BPE does without an unknown token.
            result = merger.merge(bytes.compactMap { idForByte[Int($0)] >= 0 ? idForByte[Int($0)] : nil })
        }
        lock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[key] = result
        lock.unlock()
        return result
    }

    /// The text of `ids`: token bytes joined, invalid UTF-8 replaced by U+FFFD; unknown ids are skipped.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            let index = Int(id)
            guard index >= 0, index < bytesForID.count else { continue }
            if skipSpecialTokens && special[index] { continue }
            bytes.append(contentsOf: bytesForID[index])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The token string of an id (byte-level spelling), or nil.
    public func token(_ id: Int32) -> String? {
        Int(id) >= 0 && Int(id) < vocabulary.tokens.count ? vocabulary.tokens[Int(id)] : nil
    }
}
