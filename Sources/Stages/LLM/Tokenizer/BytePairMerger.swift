/// The BPE merge loop over token ids: always merges the lowest-ranked adjacent pair (leftmost first), via a heap.
struct BytePairMerger: Sendable {
    /// (left id << 32 | right id) -> (rank, merged id).
    let ranks: [UInt64: (rank: Int32, id: Int32)]

    init(ranks: [UInt64: (rank: Int32, id: Int32)]) { self.ranks = ranks }

    @inline(__always) static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    private struct Symbol {
        var id: Int32
        var prev: Int
        var next: Int
        var alive: Bool
    }

    private struct Candidate {
        var rank: Int32
        var position: Int
        var id: Int32
        @inline(__always) func precedes(_ other: Candidate) -> Bool {
            rank != other.rank ? rank < other.rank : position < other.position
        }
    }

    /// The ids `symbols` merge into.
    func merge(_ initial: [Int32]) -> [Int32] {
        if initial.count < 2 { return initial }
        var symbols = initial.indices.map { Symbol(id: initial[$0], prev: $0 - 1, next: $0 + 1 < initial.count ? $0 + 1 : -1, alive: true) }
        var heap: [Candidate] = []
        heap.reserveCapacity(initial.count)
        for i in 0..<(initial.count - 1) {
            if let m = ranks[Self.key(initial[i], initial[i + 1])] { push(&heap, Candidate(rank: m.rank, position: i, id: m.id)) }
        }
        while let top = pop(&heap) {
            let left = symbols[top.position]
            guard left.alive, left.next >= 0 else { continue }
            let rightIndex = left.next
            guard let m = ranks[Self.key(left.id, symbols[rightIndex].id)], m.id == top.id else { continue }
            // Merge right into left.
            symbols[top.position].id = top.id
            let after = symbols[rightIndex].next
            symbols[top.position].next = after
            symbols[rightIndex].alive = false
            if after >= 0 { symbols[after].prev = top.position }
            let prev = symbols[top.position].prev
            if prev >= 0, let p = ranks[Self.key(symbols[prev].id, top.id)] {
                push(&heap, Candidate(rank: p.rank, position: prev, id: p.id))
            }
            if after >= 0, let n = ranks[Self.key(top.id, symbols[after].id)] {
                push(&heap, Candidate(rank: n.rank, position: top.position, id: n.id))
            }
        }
        var result: [Int32] = []
        var i = 0
        while i >= 0 {
            result.append(symbols[i].id)
            i = symbols[i].next
        }
        return result
    }

    private func push(_ heap: inout [Candidate], _ item: Candidate) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func pop(_ heap: inout [Candidate]) -> Candidate? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < heap.count && heap[left].precedes(heap[best]) { best = left }
                if right < heap.count && heap[right].precedes(heap[best]) { best = right }
                if best == parent { break }
                heap.swapAt(parent, best)
                parent = best
            }
        }
        return top
    }
}
