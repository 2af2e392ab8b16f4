import CKernels
import Foundation

/// P(the answer is n) for n in 0..<1000 after a prompt, by the chain rule over the tokens the
/// tokenizer writes n with: one token per digit in SmolLM2 ("495" is "4" "9" "5"), one token for
/// the whole number in Llama 3 ("495").
///
/// The general definition: P(n) = P(separator) · Π P(token_i | prompt, separator, tokens before i)
/// · P(next token does not start with a digit | all of n's tokens), n written without leading zeros.
/// The tokenizations form a trie; the prompt is run once, every trie node continues it (PrefixForks:
/// the prompt's keys and values shared, each node's own kept), and the nodes run as batched passes
/// of at most `chunk` nodes, parents before children (SmolLM2: 10 digits, 90 two-digit prefixes and
/// 900 three-digit numbers in one pass; Llama 3: 1000 one-token numbers), not 1000 full passes.
public enum NumberTrie {
    /// What `probabilities` needs to know of the vocabulary.
    public struct Vocabulary: Sendable {
        /// The token ids of n, for n in 0..<1000 (each non-empty, each token starting with a digit).
        public var numbers: [[Int]]
        /// Whether each token id's text starts with an ASCII digit (these continue a number).
        public var startsWithDigit: [Bool]

        public init(numbers: [[Int]], startsWithDigit: [Bool]) {
            precondition(numbers.count == 1000 && numbers.allSatisfy { !$0.isEmpty },
                         "NumberTrie: the tokens of each of 0..<1000 are needed")
            self.numbers = numbers; self.startsWithDigit = startsWithDigit
        }

        /// A vocabulary that writes numbers digit by digit with the tokens `digits` of "0"..."9".
        public init(digits: [Int], startsWithDigit: [Bool]) {
            precondition(digits.count == 10, "NumberTrie: 10 digit tokens, got \(digits.count)")
            self.init(numbers: (0..<1000).map { String($0).map { digits[Int(String($0))!] } }, startsWithDigit: startsWithDigit)
        }
    }

    /// One trie node: the token that leads to it from its parent, and what hangs below it.
    struct Node {
        var parent: Int
        var token: Int
        var children: [Int: Int] = [:]
        /// The numbers whose last token this node is.
        var ends: [Int] = []
    }

    /// The trie of the numbers' tokenizations; node 0 is the root (the prompt and separator).
    static func trie(_ numbers: [[Int]]) -> [Node] {
        var nodes = [Node(parent: -1, token: -1)]
        for (n, tokens) in numbers.enumerated() {
            var at = 0
            for token in tokens {
                if let child = nodes[at].children[token] {
                    at = child
                } else {
                    nodes.append(Node(parent: at, token: token))
                    nodes[at].children[token] = nodes.count - 1
                    at = nodes.count - 1
                }
            }
            nodes[at].ends.append(n)
        }
        return nodes
    }

    /// From one position's logits: P(each token of `tokens`) and P(the next token does not start with a
    /// digit). The normalizer sums, in Double, exponentials taken in Float by vectorExp (2 ulp): a
    /// thousand nodes of 49152 logits each made libm's exp a third of the stage; `nonDigit` holds 1 for
    /// the tokens that do not start with a digit, 0 for the others.
    /// `isa` picks the kernel of the exponentials' sums (CKernels/ExpSumAVX2.h: the same Doubles).
    static func stats(_ logits: UnsafePointer<Float>, _ tokens: [Int], nonDigit mask: [Float],
                      isa: VectorISA = CPUFeatures.vectorISA) -> (next: [Int: Double], end: Double) {
        let n = mask.count
        var top4 = SIMD4<Float>(repeating: -.infinity)
        var i = 0
        while i + 4 <= n { top4 = lanewiseMax(top4, load4(logits + i)); i += 4 }
        var m = top4.max()
        while i < n { m = max(m, logits[i]); i += 1 }
        var z4 = SIMD4<Double>.zero, nonDigit4 = SIMD4<Double>.zero
        i = 0
        mask.withUnsafeBufferPointer { mask in
            let mask = mask.baseAddress!
            #if arch(x86_64)
            if isa >= .avx2 {
                var z = [Double](repeating: 0, count: 4), masked = z
                i = pipe_exp_sums_avx2(logits, mask, n, m, &z, &masked)
                z4 = SIMD4(z[0], z[1], z[2], z[3]); nonDigit4 = SIMD4(masked[0], masked[1], masked[2], masked[3])
            }
            #endif
            while i + 4 <= n {
                let e = vectorExp(load4(logits + i) - m)
                z4 += SIMD4<Double>(e)
                nonDigit4 += SIMD4<Double>(e * load4(mask + i))
                i += 4
            }
        }
        var z = z4.sum(), nonDigit = nonDigit4.sum()
        while i < n {
            let e = Double(scalarExp(logits[i] - m))
            z += e
            nonDigit += e * Double(mask[i])
            i += 1
        }
        var next: [Int: Double] = [:]
        for token in tokens { next[token] = Foundation.exp(Double(logits[token] - m)) / z }
        return (next, nonDigit / z)
    }

    /// P(n) for n in 0..<1000 after `prompt` then `separator` (e.g. the token of " "), and P(separator).
    public static func probabilities(_ model: LlamaModel, prompt: [Int], separator: [Int], vocabulary: Vocabulary,
                                     threads: Int = 2, chunk: Int = 1000, progress: (Int) -> Void = { _ in },
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
        let nodes = trie(vocabulary.numbers)
        let nonDigit = vocabulary.startsWithDigit.map { $0 ? Float(0) : 1 }
        // The prompt and separator's keys and values, shared by every node (see PrefixForks).
        let forks = PrefixForks(model: model, prompt: cache)
        // Every node but the root, parents before children: level by level, children by token id under
        // each parent. A node's keys and values exist within its own pass before attention needs them,
        // so the whole trie runs as one batched pass (one packing of each weight matrix, not one per level).
        var order: [Int] = [], level = [0]
        while !level.isEmpty {
            let children = level.flatMap { parent in nodes[parent].children.keys.sorted().map { nodes[parent].children[$0]! } }
            order += children
            level = children.filter { !nodes[$0].children.isEmpty }
        }
        var forkOf = [Int](repeating: PrefixForks.prompt, count: nodes.count)
        // Per node: P(each child's token) and P(the next token does not start with a digit).
        var stat = [(next: [Int: Double], end: Double)](repeating: ([:], 0), count: nodes.count)
        stat[0] = logits.withUnsafeBufferPointer { stats($0.baseAddress!, Array(nodes[0].children.keys), nonDigit: nonDigit) }
        for start in stride(from: 0, to: order.count, by: chunk) {
            if cancelled() { throw CancellationError() }
            let batch = Array(order[start..<min(start + chunk, order.count)])
            for (i, node) in batch.enumerated() { forkOf[node] = forks.nodeCount + i }  // step numbers its nodes in order
            _ = try forks.step(batch.map { nodes[$0].token }, after: batch.map { forkOf[nodes[$0].parent] },
                               threads: threads) { first, rows in
                // Rows split between the workers (each row's stats alone, so the same values whatever the split):
                // single-threaded, the other core would idle between the unembedding GEMMs.
                var slice = [(next: [Int: Double], end: Double)](repeating: ([:], 0), count: rows.shape[0])
                slice.withUnsafeMutableBufferPointer { out in
                    nonisolated(unsafe) let out = out
                    let lanes = max(1, threads)
                    WorkerTeam.shared.run(lanes: lanes) { lane in
                        for i in stride(from: lane, to: out.count, by: lanes) {
                            let node = batch[first + i]
                            out[i] = stats(rows.pointer + i * rows.shape[1], Array(nodes[node].children.keys), nonDigit: nonDigit)
                        }
                    }
                }
                for (i, value) in slice.enumerated() { stat[batch[first + i]] = value }
            }
            progress(start + batch.count)
        }
        var reach = [Double](repeating: 0, count: nodes.count)  // P(the node's tokens | prompt, separator)
        reach[0] = 1
        var result = [Double](repeating: 0, count: 1000)
        for node in order {
            reach[node] = reach[nodes[node].parent] * stat[nodes[node].parent].next[nodes[node].token]!
            for n in nodes[node].ends { result[n] = reach[node] * stat[node].end }
        }
        return (result.map { $0 * separatorProbability }, separatorProbability, rootDistribution)
    }
}
