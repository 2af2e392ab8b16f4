import Cache
import Foundation
import Testing
@testable import Pipeline

/// Outputs a build stored, kept in memory for the stages after them (RecentOutputs).
struct RecentOutputsTests {
    private func bytes(_ count: Int, _ value: UInt8) -> Data { Data(repeating: value, count: count) }

    @Test func keepsTheMostRecentlyUsedWithinItsCapacity() {
        let recent = RecentOutputs(capacity: 250)
        let (a, b, c) = (bytes(100, 1), bytes(100, 2), bytes(100, 3))
        let (da, db, dc) = (Digest.of(a), Digest.of(b), Digest.of(c))
        recent.keep(a, as: da)
        recent.keep(b, as: db)
        #expect(recent.bytes(da) == a)  // a is now the most recently used
        recent.keep(c, as: dc)          // 300 bytes > 250: b, the least recently used, goes
        #expect(recent.bytes(db) == nil)
        #expect(recent.bytes(da) == a && recent.bytes(dc) == c)
        #expect(recent.heldBytes == 200)
        recent.keep(a, as: da)          // kept once, not twice
        #expect(recent.heldBytes == 200)
        recent.keep(bytes(251, 4), as: Digest.of(bytes(251, 4)))  // larger than the capacity: not kept
        #expect(recent.heldBytes == 200 && recent.bytes(da) == a)
        let none = RecentOutputs(capacity: 0)
        none.keep(a, as: da)
        #expect(none.bytes(da) == nil && none.heldBytes == 0)
    }

    /// A stage whose input this build stored reads it from memory, not from the store: with the
    /// blob damaged on disk it still runs and gives the same result. Without the memory the same
    /// request meets the damage (the store's check), which the builder answers by recomputing.
    @Test func aStageReadsInputsThisBuildStoredFromMemory() throws {
        let workspace = try Workspace()
        let pipeline = try diamond()
        let first = try workspace.build(pipeline, ["result"]).report
        let (a, b) = (try #require(first.results["a"]?.outputs["out"]), try #require(first.results["b"]?.outputs["out"]))
        let recent = RecentOutputs(capacity: 1 << 20)
        recent.keep(try workspace.store.get(a), as: a)
        recent.keep(try workspace.store.get(b), as: b)
        try workspace.damageBlob(a)

        let stage = try #require(pipeline.stage(named: "ab"))
        let inputs = ["1": a, "2": b]
        func request(_ recent: RecentOutputs?) -> StageRequest {
            StageRequest(stage: stage, key: StageKey.compute(stage, inputs: inputs), inputs: inputs, forced: true,
                         store: workspace.store, recent: recent)
        }
        guard case let .ran(record, _) = try LocalExecutor().produce(request(recent)) else {
            Issue.record("the forced stage did not run")
            return
        }
        #expect(record.outputs == first.results["ab"]?.outputs)
        // What the stage stored is kept for the stages after it.
        #expect(recent.bytes(try #require(record.outputs["out"])) != nil)
        #expect(throws: Builder.CorruptInput.self) { try LocalExecutor().produce(request(nil)) }
    }
}
