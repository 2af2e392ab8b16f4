/// Keys and values of `capacity` consecutive positions for every layer and key/value head.
///
/// Layout of both buffers: [layer][kvHead][slot][headDimension], so one head's keys over the slots
/// of a block are contiguous.
final class KVCacheBlock: @unchecked Sendable {
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    let floatCount: Int

    init(floatCount: Int) {
        self.floatCount = floatCount
        keys = .allocate(capacity: floatCount)
        values = .allocate(capacity: floatCount)
    }

    /// A copy with its own storage (of the first `used` slots' worth when the caller knows it; all here).
    func copy() -> KVCacheBlock {
        let result = KVCacheBlock(floatCount: floatCount)
        result.keys.update(from: keys, count: floatCount)
        result.values.update(from: values, count: floatCount)
        return result
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }
}
