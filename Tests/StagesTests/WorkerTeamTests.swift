import Foundation
import Testing
@testable import Stages

struct WorkerTeamTests {
    /// Thousands of back-to-back regions (what a decode step runs): every lane exactly once per
    /// region, lane 0 on the caller; more lanes than helpers go through Dispatch, still once each.
    @Test func everyLaneOncePerRegion() {
        let team = WorkerTeam(helpers: 1)
        let caller = pthread_self()
        for lanes in [1, 2, 3] {
            for _ in 0..<2000 {
                let seen = LaneCounts(lanes)
                team.run(lanes: lanes) { lane in
                    seen.increment(lane)
                    if lane == 0 && lanes <= 2 { seen.noteCallerRanLaneZero(pthread_equal(pthread_self(), caller) != 0) }
                }
                #expect(seen.values == [Int](repeating: 1, count: lanes))
                if lanes <= 2 { #expect(seen.callerRanLaneZero) }
            }
        }
    }

    /// A helper that has gone to sleep (no region for longer than it spins) wakes for the next one.
    @Test func wakesASleepingHelper() {
        let team = WorkerTeam(helpers: 1)
        for _ in 0..<5 {
            let seen = LaneCounts(2)
            team.run(lanes: 2) { seen.increment($0) }
            #expect(seen.values == [1, 1])
            usleep(useconds_t(3 * WorkerTeam.spinNanoseconds / 1000))
        }
    }

    /// A region started inside a lane (the team is owned) runs through Dispatch instead of waiting
    /// for the team, and a region writing disjoint slots gives what a serial loop gives.
    @Test func nestedRegionsComplete() {
        let team = WorkerTeam(helpers: 1)
        let seen = LaneCounts(4)
        team.run(lanes: 2) { outer in
            team.run(lanes: 2) { inner in seen.increment(outer * 2 + inner) }
        }
        #expect(seen.values == [1, 1, 1, 1])

        var sums = [Double](repeating: 0, count: 2)
        sums.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            team.run(lanes: 2) { lane in
                for i in stride(from: lane, to: 10_000, by: 2) { out[lane] += Double(i).squareRoot() }
            }
        }
        let serial = (0..<2).map { lane in stride(from: lane, to: 10_000, by: 2).reduce(0.0) { $0 + Double($1).squareRoot() } }
        #expect(sums == serial)
    }
}

/// Per-lane counters the lanes bump under a lock.
private final class LaneCounts: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Int]
    private(set) var callerRanLaneZero = false
    init(_ lanes: Int) { values = Array(repeating: 0, count: lanes) }
    func increment(_ lane: Int) { lock.withLock { values[lane] += 1 } }
    func noteCallerRanLaneZero(_ value: Bool) { lock.withLock { callerRanLaneZero = value } }
}
