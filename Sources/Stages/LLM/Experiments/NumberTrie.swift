import Foundation

/// P(the answer is n) for n in 0..<1000 after a prompt, for vocabularies that split numbers into
/// digit tokens (SmolLM2: one token per digit "0"..."9").
///
/// The general definition: P(n) = P(separator) · Π P(digit_i | prompt, separator, digits before i)
/// · P(next token does not start with a digit | all of n's digits), n written without leading zeros.
/// The prompt is run once; its cache is forked for every trie node, and each trie level runs as one
/// batched step: the 10 first digits, then 90 two-digit prefixes, then 900 three-digit numbers (in
/// chunks of 100, one per first digit, to bound memory), not 1000 full passes.
public enum NumberTrie {
    /// What `probabilities` needs to know of the vocabulary.
    public struct Vocabulary: Sendable {
        /// Token ids of "0"..."9".
        public var digits: [Int]
        /// Whether each token id's text starts with an ASCII digit (these continue a number).
        public var startsWithDigit: [Bool]
        public init(digits: [Int], startsWithDigit: [Bool]) {
            precondition(digits.count == 10, "NumberTrie: 10 digit tokens, got \(digits.count)")
            self.digits = digits; self.startsWithDigit = startsWithDigit
        }
    }

    /// The probabilities of one trie node's next token that the definition uses.
    struct Node {
        /// P(digit d) for d in 0...9.
        var digit: [Double]
        /// P(the next token does not start with a digit).
        var end: Double
    }

    static func node(_ logits: UnsafePointer<Float>, _ vocabulary: Vocabulary) -> Node {
        let n = vocabulary.startsWithDigit.count
        var m = -Float.infinity
        for i in 0..<n { m = max(m, logits[i]) }
        var z = 0.0, nonDigit = 0.0
        for i in 0..<n {
            let e = Foundation.exp(Double(logits[i] - m))
            z += e
            if !vocabulary.startsWithDigit[i] { nonDigit += e }
        }
        return Node(digit: vocabulary.digits.map { Foundation.exp(Double(logits[$0] - m)) / z }, end: nonDigit / z)
    }

    /// P(n) for n in 0..<1000 after `prompt` then `separator` (e.g. the token of " "), and P(separator).
    public static func probabilities(_ model: LlamaModel, prompt: [Int], separator: [Int], vocabulary: Vocabulary,
                                     threads: Int = 2, progress: (Int) -> Void = { _ in },
                                     cancelled: () -> Bool = { false }) throws
        -> (numbers: [Double], separator: Double, root: TokenDistribution) {
        precondition(vocabulary.startsWithDigit.count == model.config.vocabularySize,
                     "NumberTrie: vocabulary of \(vocabulary.startsWithDigit.count) tokens, model of \(model.config.vocabularySize)")
        var cache = model.makeCache()
        var logits = try model.prefill(prompt, cache: &cache, threads: threads)
        var separatorProbability = 1.0
        for token in separator {
            separatorProbability *= TokenDistribution(logits: logits)[token]
            logits = try model.step(token, cache: &cache, threads: threads)
        }
        let rootDistribution = TokenDistribution(logits: logits)
        let root = logits.withUnsafeBufferPointer { node($0.baseAddress!, vocabulary) }
        let d = vocabulary.digits
        var result = [Double](repeating: 0, count: 1000)

        // Level 1: the ten one-digit prefixes.
        var caches1 = [KVCache](repeating: cache, count: 10)
        let t1 = try model.step(d, caches: &caches1, threads: threads)
        let nodes1 = (0..<10).map { node(t1.pointer + $0 * t1.shape[1], vocabulary) }
        for a in 0..<10 { result[a] = root.digit[a] * nodes1[a].end }
        progress(10)

        if cancelled() { throw CancellationError() }
        // Level 2: 90 two-digit prefixes 10...99 (no leading zero).
        let pairs = (1...9).flatMap { a in (0...9).map { b in (a, b) } }
        var caches2 = pairs.map { caches1[$0.0] }
        let t2 = try model.step(pairs.map { d[$0.1] }, caches: &caches2, threads: threads)
        let nodes2 = pairs.indices.map { node(t2.pointer + $0 * t2.shape[1], vocabulary) }
        var prefix2 = [Double](repeating: 0, count: 100)
        for (i, (a, b)) in pairs.enumerated() {
            prefix2[10 * a + b] = root.digit[a] * nodes1[a].digit[b]
            result[10 * a + b] = prefix2[10 * a + b] * nodes2[i].end
        }
        progress(100)

        // Level 3: 900 three-digit numbers, one chunk of 100 per first digit.
        for a in 1...9 {
            if cancelled() { throw CancellationError() }
            let triples = (0...9).flatMap { b in (0...9).map { c in (b, c) } }
            var caches3 = triples.map { caches2[(a - 1) * 10 + $0.0] }
            let t3 = try model.step(triples.map { d[$0.1] }, caches: &caches3, threads: threads)
            for (i, (b, c)) in triples.enumerated() {
                let n3 = node(t3.pointer + i * t3.shape[1], vocabulary)
                result[100 * a + 10 * b + c] = prefix2[10 * a + b] * nodes2[(a - 1) * 10 + b].digit[c] * n3.end
            }
            progress(100 + 100 * a)
        }
        return (result.map { $0 * separatorProbability }, separatorProbability, rootDistribution)
    }
}
