import Foundation
import Testing
@testable import Cache

@Suite struct ActionTests {
    let fixture = try! StoreFixture()

    @Test func recordAndLookUpRoundTripsEveryField() throws {
        let store = try fixture.open()
        let model = try store.put(randomBytes(1000, seed: 1))
        let log = try store.put(Data("training log\n".utf8))
        let action = sampleAction("a", outputs: ["model": model, "metrics": try store.put(Data("{}".utf8))], log: log)
        try store.record(action)
        #expect(try store.action(for: action.key) == action)
        // And from another instance, i.e. through the file, not a cache in memory.
        #expect(try fixture.open().action(for: action.key) == action)
        #expect(try store.action(for: key("unknown")) == nil)
    }

    @Test func aMissingOutputFileMakesTheActionAMiss() throws {
        let store = try fixture.open()
        let model = try store.put(randomBytes(100, seed: 2))
        let action = sampleAction("a", outputs: ["model": model])
        try store.record(action)
        try FileManager.default.removeItem(atPath: fixture.blobPath(model))
        #expect(try store.action(for: action.key) == nil)
        #expect(try store.actions(for: [action.key]).isEmpty)
        #expect(try store.allActions() == [action])   // the record itself is still there
    }

    @Test func aMissingLogFileMakesTheActionAMiss() throws {
        let store = try fixture.open()
        let log = try store.put(Data("log".utf8))
        let action = sampleAction("a", outputs: [:], log: log)
        try store.record(action)
        try FileManager.default.removeItem(atPath: fixture.blobPath(log))
        #expect(try store.action(for: action.key) == nil)
    }

    @Test func recordRefusesBlobsNotInTheStore() throws {
        let store = try fixture.open()
        let absent = Digest.of(Data("absent".utf8))
        let action = sampleAction("a", outputs: ["model": absent])
        let error = #expect(throws: StoreError.self) { try store.record(action) }
        #expect(error == .actionNamesMissingBlob(key: action.key, name: "output 'model'", digest: absent))
        #expect(try store.allActions().isEmpty)
    }

    @Test func forgetDropsTheActionButKeepsItsBlobs() throws {
        let store = try fixture.open()
        let model = try store.put(Data("weights".utf8))
        let action = sampleAction("a", outputs: ["model": model])
        try store.record(action)
        try store.forget(key: action.key)
        #expect(try store.action(for: action.key) == nil)
        #expect(store.contains(model))
    }

    @Test func batchLookupFindsOnlyUsableActions() throws {
        let store = try fixture.open()
        let a = sampleAction("a", outputs: ["model": try store.put(Data("a".utf8))])
        let b = sampleAction("b", outputs: ["model": try store.put(Data("b".utf8))])
        try store.record(a)
        try store.record(b)
        let found = try store.actions(for: [a.key, b.key, key("c")])
        #expect(found == [a.key: a, b.key: b])
    }

    @Test func actionsOfAStageAreNewestFirst() throws {
        let store = try fixture.open()
        let blob = try store.put(Data("x".utf8))
        var older = sampleAction("old", outputs: ["model": blob], finished: Date(timeIntervalSinceReferenceDate: 1000))
        var newer = sampleAction("new", outputs: ["model": blob], finished: Date(timeIntervalSinceReferenceDate: 2000))
        older.stage = "teacher"
        newer.stage = "teacher"
        let other = sampleAction("other", outputs: ["model": blob])
        for action in [older, newer, other] { try store.record(action) }
        #expect(try store.actions(forStage: "teacher") == [newer, older])
        #expect(try store.allActions().count == 3)
    }

    @Test func actionsProducingFindsOutputsAndLogs() throws {
        let store = try fixture.open()
        let shared = try store.put(Data("shared".utf8))
        let log = try store.put(Data("log".utf8))
        let a = sampleAction("a", outputs: ["model": shared], finished: Date(timeIntervalSinceReferenceDate: 1))
        let b = sampleAction("b", outputs: ["copy": shared], log: log, finished: Date(timeIntervalSinceReferenceDate: 2))
        try store.record(a)
        try store.record(b)
        #expect(try store.actionsProducing(shared) == [b, a])
        #expect(try store.actionsProducing(log) == [b])
        // An input digest is not something the action produced.
        #expect(try store.actionsProducing(Digest.of(Data("images".utf8))).isEmpty)
    }

    @Test func headsTrackTheLastKeyPerStage() throws {
        let store = try fixture.open()
        #expect(try store.head(ofStage: "teacher.e5") == nil)
        try store.setHead(stage: "teacher.e5", key: key("1"))
        try store.setHead(stage: "student", key: key("2"))
        try store.setHead(stage: "teacher.e5", key: key("3"))
        try store.setHead(stage: "teacher.e5", key: key("3"))
        #expect(try store.head(ofStage: "teacher.e5") == key("3"))
        #expect(try store.heads() == ["teacher.e5": key("3"), "student": key("2")])
    }
}
