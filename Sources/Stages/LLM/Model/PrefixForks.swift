import Foundation

// Decoding many short continuations of one prompt (a trie of them: NumberTrie's numbers). Forked
// KVCaches cost, per fork and step, a copy of a whole cache block (every layer's keys and values of
// 16 positions) and, per fork, head and layer, a gather of the whole prompt from the blocks; and a
// trie level per step packs every weight matrix once per level. Here the prompt's keys and values
// are gathered once, contiguous; a node keeps only its own token's; a step may hold children of
// its own nodes, so a whole trie (10 + 90 + 900 nodes) goes through each weight GEMM at once; and
// the vocabulary's logits are made a slice at a time.
//
// Attention stays two small products per fork and head, with the arguments LlamaModel.attend gives
// them for a forked cache: outputs equal a forked KVCache's bit for bit. A GEMM over all forks'
// queries at once against the shared prompt would read it once, but OpenBLAS's small-matrix kernel
// (the one these shapes get) sums each dot product in another order than its large kernel, and the
// probabilities of three-digit numbers move by up to 2e-5 relative with such rounding changes. Where
// AttentionKernels reproduces OpenBLAS's bits for a shape (checked once per process), its kernels
// replace the 180,000 BLAS calls of a trie; they read the prompt's keys transposed.

/// Continuations of a prompt that share its keys and values: a trie of nodes, each one token
/// after its parent (or after the prompt), run in batched steps. Holds each node's own keys and
/// values; the prompt's are copied from its KVCache once.
public final class PrefixForks {
    /// The parent of a node that continues the prompt itself.
    public static let prompt = -1

    public let model: LlamaModel
    /// Positions of the prompt.
    public let promptLength: Int
    /// The prompt's keys and values, [layer][kvHead][position][headDimension].
    let promptKeys: Tensor, promptValues: Tensor
    /// The prompt's keys transposed, [layer][kvHead][headDimension][position] (AttentionKernels.scores).
    let promptKeysTransposed: Tensor
    /// Per node: its parent (or `prompt`), its depth (1 right after the prompt), and where its keys and
    /// values lie (the step that made it and its row there).
    private(set) var parents: [Int] = [], depths: [Int] = []
    private var location: [(step: Int, row: Int)] = []
    /// Per step, its nodes' keys and values, [row][layer][kvHead][headDimension].
    private var stepKeys: [Tensor] = [], stepValues: [Tensor] = []

    /// Floats of one node's keys (or values): every layer and key/value head.
    var nodeFloats: Int { model.config.layerCount * model.config.keyValueHeadCount * model.config.headDimension }

    /// Forks of the positions in `prompt` (a cache of `model`, not changed).
    public init(model: LlamaModel, prompt: KVCache) {
        let c = model.config
        precondition(prompt.layerCount == c.layerCount && prompt.keyValueHeadCount == c.keyValueHeadCount
                     && prompt.headDimension == c.headDimension && prompt.count > 0,
                     "PrefixForks: needs a non-empty cache of this model")
        self.model = model
        promptLength = prompt.count
        let perHead = promptLength * c.headDimension
        promptKeys = Tensor(shape: [c.layerCount, c.keyValueHeadCount, promptLength, c.headDimension])
        promptValues = Tensor(shape: promptKeys.shape)
        promptKeysTransposed = Tensor(shape: [c.layerCount, c.keyValueHeadCount, c.headDimension, promptLength])
        for l in 0..<c.layerCount {
            for g in 0..<c.keyValueHeadCount {
                let offset = (l * c.keyValueHeadCount + g) * perHead
                prompt.gather(layer: l, head: g, length: promptLength, keys: promptKeys.pointer + offset,
                              values: promptValues.pointer + offset)
                for p in 0..<promptLength {
                    for k in 0..<c.headDimension {
                        promptKeysTransposed[offset + k * promptLength + p] = promptKeys[offset + p * c.headDimension + k]
                    }
                }
            }
        }
    }

    /// The number of nodes made so far.
    public var nodeCount: Int { parents.count }

    /// The tokens' nodes from depth 1 down to `node`.
    func path(to node: Int) -> [Int] {
        var result: [Int] = []
        var at = node
        while at != Self.prompt { result.append(at); at = parents[at] }
        return result.reversed()
    }

    /// Where `node`'s keys (or values) for `layer` and key/value head `head` lie.
    @inline(__always)
    func nodeSlot(_ node: Int, layer: Int, head: Int, values: Bool) -> UnsafeMutablePointer<Float> {
        let (step, row) = location[node]
        let base = (values ? stepValues[step] : stepKeys[step]).pointer
        return base + row * nodeFloats + (layer * model.config.keyValueHeadCount + head) * model.config.headDimension
    }

    /// Adds one node per token, `tokens[i]` after `parents[i]` (`prompt`, an earlier node, or one of
    /// this step's before it: id nodeCount + j, j < i), runs them in one batched pass and returns
    /// their ids (consecutive, from nodeCount). A layer writes every node's keys and values before its
    /// attention reads them, so a node attends to a parent made in the same pass. `logits` receives
    /// their next-token logits a slice at a time: the slice's first index into `tokens`, and (rows,
    /// vocabulary) values, at most `logitRows` rows, so a large step's logits are never all held.
    /// Deterministic for a given thread count, like LlamaModel.forward (whose BLAS use it shares).
    public func step(_ tokens: [Int], after parents: [Int], threads: Int = 2, logitRows: Int = 512,
                     logits: (_ first: Int, _ rows: Tensor) throws -> Void) throws -> [Int] {
        try BLAS.ensureLoaded()
        precondition(tokens.count == parents.count && !tokens.isEmpty, "PrefixForks.step: one parent per token")
        let c = model.config
        for token in tokens where !(0..<c.vocabularySize).contains(token) {
            throw LlamaError.tokenOutOfRange(token: token, vocabularySize: c.vocabularySize)
        }
        for (i, parent) in parents.enumerated() {
            precondition(parent == Self.prompt || (0..<nodeCount + i).contains(parent), "PrefixForks.step: unknown parent \(parent)")
        }
        let previous = BLAS.libraryThreads
        if previous != 1 { BLAS.libraryThreads = 1 }
        defer { if previous != 1 { BLAS.libraryThreads = previous } }

        let first = nodeCount, step = stepKeys.count
        stepKeys.append(Tensor(shape: [tokens.count, nodeFloats]))
        stepValues.append(Tensor(shape: [tokens.count, nodeFloats]))
        for (row, parent) in parents.enumerated() {
            self.parents.append(parent)
            depths.append(parent == Self.prompt ? 1 : depths[parent] + 1)
            location.append((step, row))
        }
        let nodes = Array(first..<nodeCount)
        try run(tokens, nodes: nodes, workers: threads, logitRows: logitRows, logits: logits)
        return nodes
    }

    /// Forks per attention work item: an item copies its head's prompt keys and values once.
    static let attentionForks = 64

    private func run(_ tokens: [Int], nodes: [Int], workers: Int, logitRows: Int,
                     logits body: (Int, Tensor) throws -> Void) throws {
        let c = model.config, w = model.weights
        let (d, hd) = (c.hiddenSize, c.headDimension)
        let (heads, kvHeads, group) = (c.headCount, c.keyValueHeadCount, c.groupSize)
        let width = (heads + 2 * kvHeads) * hd
        let count = tokens.count, prompt = promptLength
        let paths = nodes.map(path(to:))
        let longest = paths.map(\.count).max()!
        let row = prompt + longest  // positions a fork sees at most: the prompt, then its own tokens
        let (cosines, sines) = model.rotaryTables(positions: nodes.map { prompt + depths[$0] - 1 })
        let scale = 1 / Float(hd).squareRoot()
        // Per depth (index: the fork's own token count), which products the kernels may run.
        let agree = (0...longest).map { depth in
            depth == 0 ? AttentionKernels.Agreement.neither
                : AttentionKernels.agreement(queries: group, visible: prompt + depth, headDimension: hd, scale: scale)
        }
        let (anyKernelScores, anyBLASScores) = (agree.dropFirst().contains { $0.scores }, agree.dropFirst().contains { !$0.scores })

        let a = DecoderActivations(count: count, config: c)
        let chunk = Self.attentionForks
        let items: [(head: Int, first: Int)] = (0..<kvHeads).flatMap { g in stride(from: 0, to: count, by: chunk).map { (g, $0) } }
        let lanes = max(1, min(workers, items.count))
        let buffers = (0..<lanes).map { _ in
            (keys: Tensor(shape: [row, hd]), keysT: Tensor(shape: [hd, row]), values: Tensor(shape: [row, hd]),
             queries: Tensor(shape: [group, hd]), scores: Tensor(shape: [group, row]), outputs: Tensor(shape: [group, hd]))
        }
        model.embed(tokens, into: a)
        for (l, layer) in w.layers.enumerated() {
            model.projectQKV(layer, a, cosines: cosines, sines: sines, workers: workers)
            forEachRowRange(count, workers: workers) { rows in
                for t in rows {
                    let q = a.qkv.pointer + t * width
                    for g in 0..<kvHeads {
                        nodeSlot(nodes[t], layer: l, head: g, values: false).update(from: q + (heads + g) * hd, count: hd)
                        nodeSlot(nodes[t], layer: l, head: g, values: true).update(from: q + (heads + kvHeads + g) * hd, count: hd)
                    }
                }
            }
            // Each work item copies the prompt's keys and values of its head once, then per fork writes
            // the fork's own few after them and runs the two GEMMs LlamaModel.attend runs for one
            // position, with the same arguments (or AttentionKernels where they give the same bits): the
            // same bits as a forked KVCache.
            nonisolated(unsafe) let (qkvRows, attentionRows) = (a.qkv.pointer, a.attention.pointer)
            nonisolated(unsafe) let layerKeys = promptKeys.pointer + l * kvHeads * prompt * hd
            nonisolated(unsafe) let layerValues = promptValues.pointer + l * kvHeads * prompt * hd
            nonisolated(unsafe) let layerKeysT = promptKeysTransposed.pointer + l * kvHeads * prompt * hd
            // Each fork's own keys and values at this layer, [fork][depth - 1], for head 0 (head g is g * hd on).
            let own = paths.map { path in
                path.map { (keys: nodeSlot($0, layer: l, head: 0, values: false), values: nodeSlot($0, layer: l, head: 0, values: true)) }
            }
            nonisolated(unsafe) let ownSlots = own
            WorkerTeam.shared.run(lanes: lanes) { lane in
                let buffer = buffers[lane]
                let (keys, keysT, values) = (buffer.keys.pointer, buffer.keysT.pointer, buffer.values.pointer)
                let (queries, scores, outputs) = (buffer.queries.pointer, buffer.scores.pointer, buffer.outputs.pointer)
                for (g, start) in items[(lane * items.count / lanes)..<((lane + 1) * items.count / lanes)] {
                    if anyBLASScores { keys.update(from: layerKeys + g * prompt * hd, count: prompt * hd) }
                    if anyKernelScores {
                        for k in 0..<hd { (keysT + k * row).update(from: layerKeysT + (g * hd + k) * prompt, count: prompt) }
                    }
                    values.update(from: layerValues + g * prompt * hd, count: prompt * hd)
                    for f in start..<min(start + chunk, count) {
                        let path = ownSlots[f], visible = prompt + path.count, kernels = agree[path.count]
                        for (i, slot) in path.enumerated() {
                            if kernels.scores {
                                for k in 0..<hd { keysT[k * row + prompt + i] = slot.keys[g * hd + k] }
                            } else {
                                (keys + (prompt + i) * hd).update(from: slot.keys + g * hd, count: hd)
                            }
                            (values + (prompt + i) * hd).update(from: slot.values + g * hd, count: hd)
                        }
                        // The group's query heads are adjacent in the row, as are their outputs.
                        let groupQueries = qkvRows + f * width + g * group * hd
                        let groupOutputs = attentionRows + f * heads * hd + g * group * hd
                        if kernels.scores {
                            AttentionKernels.scores(groupQueries, queries: group, keysT: keysT, stride: row, visible: visible,
                                                    headDimension: hd, scale: scale, into: scores)
                        } else {
                            queries.update(from: groupQueries, count: group * hd)
                            BLAS.sgemm(transposeB: true, m: group, n: visible, k: hd, alpha: scale, queries, keys, scores)
                        }
                        for j in 0..<group { softmaxInPlace(scores + j * visible, count: visible) }
                        if kernels.weightedSum {
                            AttentionKernels.weightedSum(scores, queries: group, values: values, visible: visible,
                                                         headDimension: hd, into: groupOutputs)
                        } else {
                            BLAS.sgemm(m: group, n: hd, k: visible, scores, values, outputs)
                            groupOutputs.update(from: outputs, count: group * hd)
                        }
                    }
                }
            }
            model.finishLayer(layer, a, workers: workers)
        }
        model.normalize(a, w.finalNorm, workers: workers)
        // Slices of equal size (1000 rows: two of 500, not 512 and 488), so one buffer of logits,
        // page-faulted once, serves them all.
        let slices = (count + max(1, logitRows) - 1) / max(1, logitRows)
        let slice = (count + slices - 1) / slices
        let out = Tensor(shape: [min(slice, count), c.vocabularySize])
        for start in stride(from: 0, to: count, by: slice) {
            let rows = min(slice, count - start)
            let result = rows == out.shape[0] ? out : Tensor(shape: [rows, c.vocabularySize])
            linear(a.xn.pointer + start * d, w.output.pointer, result.pointer, m: rows, n: c.vocabularySize, k: d, workers: workers)
            try body(start, result)
        }
    }
}
