/// Fisher-Yates (Durstenfeld): shuffles `values` in place; step i (from the end) draws
/// j = stream.below(i + 1, counter: n - 1 - i), so the result depends only on the stream and n.
public func shuffle<T>(_ values: UnsafeMutableBufferPointer<T>, _ stream: RandomStream, counterBase: Int = 0) {
    let n = values.count
    guard n > 1 else { return }
    var step = counterBase
    for i in stride(from: n - 1, to: 0, by: -1) {
        let j = stream.below(i + 1, step)
        values.swapAt(i, j)
        step += 1
    }
}

/// A uniformly random permutation of 0..<count.
public func shuffledIndices(_ count: Int, _ stream: RandomStream) -> [Int32] {
    var order = (0..<Int32(count)).map { $0 }
    order.withUnsafeMutableBufferPointer { shuffle($0, stream) }
    return order
}

/// A uniformly random derangement of 0..<count (perm[i] != i for all i), count >= 2: attempt a
/// shuffles the identity with counters starting at a * count until no element stays in place.
public func derangement(_ count: Int, _ stream: RandomStream) -> [Int] {
    precondition(count >= 2, "derangement: needs at least 2 elements, got \(count)")
    var attempt = 0
    while true {
        var perm = Array(0..<count)
        perm.withUnsafeMutableBufferPointer { shuffle($0, stream, counterBase: attempt * count) }
        if perm.enumerated().allSatisfy({ $0.offset != $0.element }) { return perm }
        attempt += 1
    }
}
