import Foundation

// The forward pass, llama2.c style but batched: every position of a chunk goes through each weight
// matrix in one GEMM, and attention runs as two GEMMs per key/value head (all query heads of the
// group and all positions at once), against the keys and values of the cache. The rest of each
// layer (norms, projections, rotary, feed-forward) is DecoderLayerPasses.swift, shared with PrefixForks.

/// Which positions' logits a forward pass returns.
public enum LlamaLogits: Sendable {
    /// Only the last position's (next-token prediction).
    case last
    /// Every position's, one row each.
    case all
}

extension LlamaModel {
    /// Runs `tokens` after the positions already in `cache` (a prefill when the cache is empty), appends
    /// their keys and values to the cache, and returns logits (1 or tokens.count rows, vocabulary columns).
    /// `threads` workers split the weight GEMMs by columns and attention by (sequence, head, chunk),
    /// each calling OpenBLAS single-threaded (its thread count is process-wide and set to 1 during the
    /// call: do not run forward passes concurrently with other BLAS work). Deterministic: the same
    /// tokens, cache contents and thread count give bit-identical logits.
    public func forward(_ tokens: [Int], cache: inout KVCache, logits: LlamaLogits = .last,
                        threads: Int = 2) throws -> Tensor {
        var caches = [cache]
        cache = KVCache(layerCount: 0, keyValueHeadCount: 0, headDimension: 0)  // keeps the blocks unshared
        defer { cache = caches[0] }
        return try forward(batch: [tokens], caches: &caches, logits: logits, threads: threads)
    }

    /// Runs several sequences in one pass, `batch[i]` after the positions in `caches[i]`: the weight
    /// GEMMs see every row of every sequence at once, attention stays per sequence. Returns the rows of
    /// `logits` for each sequence in order (one per sequence for .last). Caches may be forks of one
    /// another (a trie of continuations): each keeps its own positions.
    public func forward(batch: [[Int]], caches: inout [KVCache], logits: LlamaLogits = .last,
                        threads: Int = 2) throws -> Tensor {
        try BLAS.ensureLoaded()
        precondition(batch.count == caches.count, "LlamaModel.forward: \(batch.count) sequences, \(caches.count) caches")
        precondition(batch.allSatisfy { !$0.isEmpty }, "LlamaModel.forward: a sequence without tokens")
        for cache in caches {
            precondition(cache.layerCount == config.layerCount && cache.keyValueHeadCount == config.keyValueHeadCount
                         && cache.headDimension == config.headDimension, "LlamaModel.forward: cache of another model")
        }
        for tokens in batch {
            for token in tokens where !(0..<config.vocabularySize).contains(token) {
                throw LlamaError.tokenOutOfRange(token: token, vocabularySize: config.vocabularySize)
            }
        }
        // Our workers split the weight GEMMs; OpenBLAS runs single-threaded inside each.
        let previous = BLAS.libraryThreads
        if previous != 1 { BLAS.libraryThreads = 1 }
        defer { if previous != 1 { BLAS.libraryThreads = previous } }
        return run(batch, caches: &caches, logits: logits, workers: threads)
    }

    /// Next-token logits (tokens.count, vocabulary) after one more token for each cache: a batched step,
    /// e.g. every child of a trie node at once.
    public func step(_ tokens: [Int], caches: inout [KVCache], threads: Int = 2) throws -> Tensor {
        try forward(batch: tokens.map { [$0] }, caches: &caches, logits: .last, threads: threads)
    }

    /// Next-token logits after `tokens` (vocabulary values), with their keys and values appended to `cache`.
    public func prefill(_ tokens: [Int], cache: inout KVCache, threads: Int = 2) throws -> [Float] {
        try forward(tokens, cache: &cache, logits: .last, threads: threads).array
    }

    /// Next-token logits after one more token, with its key and value appended to `cache`.
    public func step(_ token: Int, cache: inout KVCache, threads: Int = 2) throws -> [Float] {
        try forward([token], cache: &cache, logits: .last, threads: threads).array
    }

    /// Logits at every position of `tokens` from an empty cache: (tokens.count, vocabulary).
    public func logits(_ tokens: [Int], threads: Int = 2) throws -> Tensor {
        var cache = makeCache()
        return try forward(tokens, cache: &cache, logits: .all, threads: threads)
    }

    private func run(_ batch: [[Int]], caches: inout [KVCache], logits: LlamaLogits, workers: Int) -> Tensor {
        let c = config
        let (d, hd) = (c.hiddenSize, c.headDimension)
        let (heads, kvHeads, group) = (c.headCount, c.keyValueHeadCount, c.groupSize)
        let width = (heads + 2 * kvHeads) * hd
        // Rows of every activation matrix: the positions of sequence 0, then of sequence 1, ...
        let count = batch.reduce(0) { $0 + $1.count }
        let offsets = batch.indices.map { i in batch[..<i].reduce(0) { $0 + $1.count } }
        let starts = caches.map(\.count)
        let context = zip(starts, batch).map { $0 + $1.count }.max()!
        let positions = batch.indices.flatMap { i in (0..<batch[i].count).map { starts[i] + $0 } }
        let tokens = batch.flatMap { $0 }
        for i in caches.indices { caches[i].reserve(batch[i].count) }

        let a = DecoderActivations(count: count, config: c)
        let chunk = min(batch.map(\.count).max()!, Self.attentionChunk)
        // Attention's work items, (sequence, key/value head, query chunk), in order; contiguous runs of
        // them go to each worker, with buffers of its own.
        let items: [(sequence: Int, head: Int, first: Int)] = batch.indices.flatMap { i in
            (0..<kvHeads).flatMap { g in stride(from: 0, to: batch[i].count, by: Self.attentionChunk).map { (i, g, $0) } }
        }
        let lanes = max(1, min(workers, items.count))
        let buffers = (0..<lanes).map { _ in
            (keys: Tensor(shape: [context, hd]), values: Tensor(shape: [context, hd]),
             queries: Tensor(shape: [group * chunk, hd]), scores: Tensor(shape: [group * chunk, context]),
             outputs: Tensor(shape: [group * chunk, hd]))
        }
        let (cosines, sines) = rotaryTables(positions: positions)
        let scale = 1 / Float(hd).squareRoot()

        embed(tokens, into: a)
        for (l, w) in weights.layers.enumerated() {
            // Attention: norm, q/k/v for all positions, rotary on q and k, keys and values into the cache.
            projectQKV(w, a, cosines: cosines, sines: sines, workers: workers)
            for (i, cache) in caches.enumerated() {
                let (start, n, offset) = (starts[i], batch[i].count, offsets[i])
                for t in 0..<n {
                    let row = a.qkv.pointer + (offset + t) * width
                    for g in 0..<kvHeads {
                        cache.slot(layer: l, head: g, position: start + t, values: false)
                            .update(from: row + (heads + g) * hd, count: hd)
                        cache.slot(layer: l, head: g, position: start + t, values: true)
                            .update(from: row + (heads + kvHeads + g) * hd, count: hd)
                    }
                }
            }
            // Query chunks, so that a chunk's GEMMs skip the keys all of its positions mask out. Each item
            // writes its own heads' columns at its own positions of `attention`.
            nonisolated(unsafe) let (shared, qkvRows, attentionRows) = (caches, a.qkv.pointer, a.attention.pointer)
            WorkerTeam.shared.run(lanes: lanes) { lane in
                let buffer = buffers[lane]
                var gathered: (sequence: Int, head: Int)? = nil
                for item in items[(lane * items.count / lanes)..<((lane + 1) * items.count / lanes)] {
                    let (i, g, first) = item
                    let (start, n, offset) = (starts[i], batch[i].count, offsets[i])
                    if gathered.map({ $0 != (i, g) }) ?? true {
                        shared[i].gather(layer: l, head: g, length: start + n, keys: buffer.keys.pointer,
                                         values: buffer.values.pointer)
                        gathered = (i, g)
                    }
                    let size = min(Self.attentionChunk, n - first), visible = start + first + size
                    attend(group: g, positions: first..<first + size, visible: visible, start: start,
                           qkv: qkvRows + offset * width, width: width, keys: buffer.keys.pointer,
                           values: buffer.values.pointer, queries: buffer.queries.pointer, scores: buffer.scores.pointer,
                           outputs: buffer.outputs.pointer, attention: attentionRows + offset * heads * hd, scale: scale)
                }
            }
            finishLayer(w, a, workers: workers)
        }
        for i in caches.indices { caches[i].commit(batch[i].count) }

        let rows = logits == .all ? Array(0..<count) : batch.indices.map { offsets[$0] + batch[$0].count - 1 }
        for (i, t) in rows.enumerated() {
            rmsNorm(a.x.pointer + t * d, weights.finalNorm.pointer, a.xn.pointer + i * d, count: d, epsilon: c.rmsNormEpsilon)
        }
        let result = Tensor(shape: [rows.count, c.vocabularySize])
        linear(a.xn.pointer, weights.output.pointer, result.pointer, m: rows.count, n: c.vocabularySize, k: d, workers: workers)
        return result
    }

    /// Query positions per attention GEMM: smaller skips more of the causal mask, larger makes fewer calls.
    static let attentionChunk = 64

    /// Attention of the query heads of key/value head `group` at `positions` (of this call) over the
    /// first `visible` cached positions: scores = q k^T / sqrt(d), causal softmax, outputs = scores v,
    /// written to the heads' columns of `attention`. Rows of the GEMMs are (head in group, position).
    private func attend(group g: Int, positions: Range<Int>, visible: Int, start: Int, qkv: UnsafePointer<Float>,
                        width: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                        queries: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>,
                        outputs: UnsafeMutablePointer<Float>, attention: UnsafeMutablePointer<Float>, scale: Float) {
        let (hd, heads, group) = (config.headDimension, config.headCount, config.groupSize)
        let n = positions.count
        for j in 0..<group {
            for (i, t) in positions.enumerated() {
                (queries + (j * n + i) * hd).update(from: qkv + t * width + (g * group + j) * hd, count: hd)
            }
        }
        BLAS.sgemm(transposeB: true, m: group * n, n: visible, k: hd, alpha: scale, queries, keys, scores)
        for r in 0..<group * n {
            let row = scores + r * visible
            let seen = start + positions.lowerBound + r % n + 1
            softmaxInPlace(row, count: seen)
            if seen < visible { (row + seen).update(repeating: 0, count: visible - seen) }
        }
        BLAS.sgemm(m: group * n, n: hd, k: visible, scores, values, outputs)
        for j in 0..<group {
            for (i, t) in positions.enumerated() {
                (attention + t * heads * hd + (g * group + j) * hd).update(from: outputs + (j * n + i) * hd, count: hd)
            }
        }
    }

    /// cos and sin of position * frequency for each of `positions`: two (positions.count, headDim/2) tables.
    func rotaryTables(positions: [Int]) -> (Tensor, Tensor) {
        let half = inverseFrequencies.count
        let cosines = Tensor(shape: [positions.count, half]), sines = Tensor(shape: [positions.count, half])
        for (t, position) in positions.enumerated() {
            for i in 0..<half {
                // The angle in Float, as transformers multiplies position and frequency in float32.
                let angle = Double(Float(position) * inverseFrequencies[i])
                cosines[t * half + i] = Float(Foundation.cos(angle))
                sines[t * half + i] = Float(Foundation.sin(angle))
            }
        }
        return (cosines, sines)
    }
}
