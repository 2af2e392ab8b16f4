/// The attention keys and values of the positions seen so far, with value semantics: copying a
/// KVCache forks it. Positions live in fixed-size blocks shared between forks; only the last,
/// partly filled block is copied when a fork appends to it (copy-on-write), so a fork costs at most
/// one block.
public struct KVCache: Sendable {
    public let layerCount: Int
    public let keyValueHeadCount: Int
    public let headDimension: Int
    /// Positions per block.
    public let blockSize: Int
    /// The number of positions stored.
    public private(set) var count: Int = 0
    var blocks: [KVCacheBlock] = []

    /// An empty cache for a model of these sizes.
    public init(layerCount: Int, keyValueHeadCount: Int, headDimension: Int, blockSize: Int = 16) {
        precondition(blockSize > 0, "KVCache: blockSize must be positive")
        self.layerCount = layerCount
        self.keyValueHeadCount = keyValueHeadCount
        self.headDimension = headDimension
        self.blockSize = blockSize
    }

    /// Floats per block and buffer (keys or values).
    var blockFloats: Int { layerCount * keyValueHeadCount * blockSize * headDimension }

    /// A copy sharing every block with this one: the same as `let fork = cache`, spelled out.
    public func fork() -> KVCache { self }

    /// Drops positions from `length` on (keeps the first `length`).
    public mutating func truncate(to length: Int) {
        precondition(length >= 0 && length <= count, "KVCache: cannot truncate \(count) positions to \(length)")
        count = length
        blocks.removeLast(blocks.count - (length + blockSize - 1) / blockSize)
    }

    /// Makes room for `extra` more positions: the last partial block becomes unshared, new blocks are added.
    mutating func reserve(_ extra: Int) {
        if count % blockSize != 0, !isKnownUniquelyReferenced(&blocks[blocks.count - 1]) {
            blocks[blocks.count - 1] = blocks[blocks.count - 1].copy()
        }
        let needed = (count + extra + blockSize - 1) / blockSize
        while blocks.count < needed { blocks.append(KVCacheBlock(floatCount: blockFloats)) }
    }

    /// Marks `extra` reserved positions as filled.
    mutating func commit(_ extra: Int) { count += extra }

    /// Where position `position`'s key (or value) for `layer` and `head` lives (reserved positions included).
    @inline(__always)
    func slot(layer: Int, head: Int, position: Int, values: Bool) -> UnsafeMutablePointer<Float> {
        let block = blocks[position / blockSize]
        let offset = ((layer * keyValueHeadCount + head) * blockSize + position % blockSize) * headDimension
        return (values ? block.values : block.keys) + offset
    }

    /// Copies the keys and values of positions 0..<length for `layer` and `head` into contiguous
    /// (length, headDimension) buffers.
    func gather(layer: Int, head: Int, length: Int, keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
        var position = 0
        while position < length {
            let n = min(blockSize, length - position)
            let block = blocks[position / blockSize]
            let offset = (layer * keyValueHeadCount + head) * blockSize * headDimension
            (keys + position * headDimension).update(from: block.keys + offset, count: n * headDimension)
            (values + position * headDimension).update(from: block.values + offset, count: n * headDimension)
            position += n
        }
    }
}
