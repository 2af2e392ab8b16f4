import Foundation
import Testing
@testable import Stages

struct RowRangesTests {
    /// Every row exactly once, in contiguous ranges, whatever the count and worker number; small
    /// counts in one range.
    @Test(arguments: [(0, 2), (1, 2), (63, 2), (127, 2), (128, 2), (1000, 2), (1000, 3), (1001, 7), (500, 1)])
    func coversEveryRowOnce(count: Int, workers: Int) {
        let seen = Counts(count)
        let ranges = Ranges()
        forEachRowRange(count, workers: workers) { rows in
            ranges.add(rows)
            for r in rows { seen.increment(r) }
        }
        #expect(seen.values.allSatisfy { $0 == 1 })
        let all = ranges.all.sorted { $0.lowerBound < $1.lowerBound }
        #expect(all.count == max(1, min(workers, count / 64)))
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }
}

/// Per-row counters the workers bump under a lock.
private final class Counts: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Int]
    init(_ count: Int) { values = Array(repeating: 0, count: count) }
    func increment(_ i: Int) { lock.withLock { values[i] += 1 } }
}

/// The ranges handed out, collected under a lock.
private final class Ranges: @unchecked Sendable {
    private let lock = NSLock()
    private var ranges: [Range<Int>] = []
    func add(_ range: Range<Int>) { lock.withLock { ranges.append(range) } }
    var all: [Range<Int>] { lock.withLock { ranges } }
}
