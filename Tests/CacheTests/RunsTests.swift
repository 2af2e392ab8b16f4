import Foundation
import Testing
@testable import Cache

/// The table of runs: one row per target and settings, replaced by a new result, left alone
/// (no write) by the same result within the hour.
struct RunsTests {
    let fixture = try! StoreFixture()

    @Test func aRunOfTheSameResultWithinTheHourWritesNothing() throws {
        let store = try fixture.open()
        let start = Date(timeIntervalSinceReferenceDate: 800_000_000)
        let settings = ["models": "2"]
        for name in ["a", "b"] {   // runs are listed only while their results are stored
            try store.record(sampleAction(name, outputs: ["out": try store.put(Data(name.utf8))]))
        }
        try store.recordRun(RunRecord(target: "t", settings: settings, key: key("a"), recorded: start))
        try store.recordRun(RunRecord(target: "t", settings: settings, key: key("a"), recorded: start + 600))
        #expect(try store.runs(of: "t").map(\.recorded) == [start])

        try store.recordRun(RunRecord(target: "t", settings: settings, key: key("a"), recorded: start + 7200))
        #expect(try store.runs(of: "t").map(\.recorded) == [start + 7200])
        try store.recordRun(RunRecord(target: "t", settings: settings, key: key("b"), recorded: start + 7300))
        #expect(try store.runs(of: "t").map(\.key) == [key("b")])
        try store.recordRun(RunRecord(target: "t", settings: [:], key: key("b"), recorded: start + 7400))
        #expect(try store.runs(of: "t").count == 2)
    }
}
