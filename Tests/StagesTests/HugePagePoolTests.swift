import Testing
@testable import Stages

@Suite("Huge-page tensor pool")
struct HugePagePoolTests {
    /// A freed large tensor's block serves the next tensor of its size, zero-filled again.
    @Test func aFreedTensorsBlockIsReusedZeroFilled() {
        let count = (37 << 20) / 4 + 17  // 38 MiB once rounded: a size no other test allocates
        var first: Tensor? = Tensor(shape: [count])
        let address = first!.pointer
        first!.pointer.update(repeating: 7, count: count)
        first = nil
        let second = Tensor(shape: [count])
        #expect(second.pointer == address)
        #expect(second.array.allSatisfy { $0 == 0 })
        #expect(HugePagePool.shared.idleBytes <= HugePagePool.shared.capacity)
    }

    /// Blocks are matched by their rounded size, and the oldest are given up beyond the capacity.
    @Test func sizesMatchAndTheOldestGoFirst() {
        let page = HugePageBytes.hugePage
        let pool = HugePagePool(capacity: 3 * page)
        let a = pool.take(byteCount: page), b = pool.take(byteCount: page + 1), c = pool.take(byteCount: page - 5)
        pool.give(a, byteCount: page)
        pool.give(b, byteCount: page + 1)  // two pages
        #expect(pool.idleBytes == 3 * page)
        pool.give(c, byteCount: page - 5)  // one page more: `a`, the oldest, goes
        #expect(pool.idleBytes == 3 * page)
        #expect(pool.take(byteCount: 2 * page) == b)
        #expect(pool.take(byteCount: 1) == c)
        #expect(pool.idleBytes == 0)
        let fresh = pool.take(byteCount: page)  // nothing idle: a new block
        #expect(fresh != b && fresh != c)
        pool.give(fresh, byteCount: page)
        pool.give(pool.take(byteCount: 10 * page), byteCount: 10 * page)  // larger than the capacity: freed at once
        #expect(pool.idleBytes == page)
    }
}
