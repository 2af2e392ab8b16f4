import Foundation
import Testing
@testable import Cache

@Suite struct MaintenanceTests {
    let fixture = try! StoreFixture()

    @Test func verifyFindsAFlippedByteAndAMissingFile() throws {
        let store = try fixture.open()
        let good = try store.put(compressibleBytes(50_000))
        let flipped = try store.put(randomBytes(4096, seed: 9))
        let deleted = try store.put(Data("deleted".utf8))
        try fixture.rewriteBlob(flipped) { $0[$0.count - 100] ^= 0x80 }
        try FileManager.default.removeItem(atPath: fixture.blobPath(deleted))

        var progress: [Int] = []
        let report = try store.verify { done, total in
            progress.append(done)
            #expect(total == 2)
        }
        #expect(report.checked == 2)
        #expect(report.corrupt == [flipped])
        #expect(report.missing == [deleted])
        #expect(report.bytes == 50_000)
        #expect(progress == [1, 2])
        #expect(store.contains(good))
        #expect(!store.contains(flipped))
        #expect(try fixture.quarantined().count == 1)
        // A second pass finds nothing left to fix.
        #expect(try store.verify() == VerifyReport(checked: 1, corrupt: [], missing: [], bytes: 50_000))
    }

    @Test func gcRemovesUnreferencedBlobsAndKeepsReferencedOnes() throws {
        let store = try fixture.open()
        let model = try store.put(compressibleBytes(10_000))
        let log = try store.put(Data("log".utf8))
        let orphan = try store.put(randomBytes(1000, seed: 1))
        let forgotten = try store.put(randomBytes(1000, seed: 2))
        try store.record(sampleAction("kept", outputs: ["model": model], log: log))
        try store.record(sampleAction("gone", outputs: ["model": forgotten]))
        try store.forget(key: key("gone"))
        let doomedBytes = store.blobSize(orphan)!.stored + store.blobSize(forgotten)!.stored

        let report = try store.gc(grace: 0)
        #expect(report.removedBlobs == 2)
        #expect(report.keptBlobs == 2)
        #expect(report.removedActions == 0)
        #expect(report.removedBytes == doomedBytes)
        #expect(store.contains(model) && store.contains(log))
        #expect(!store.contains(orphan) && !store.contains(forgotten))
        #expect(try store.action(for: key("kept")) != nil)
    }

    /// A build may have put a blob and not yet recorded the result naming it: gc leaves blobs
    /// stored (or stored again) within its grace period, and collects them once it has passed.
    @Test func gcKeepsUnnamedBlobsWithinTheGracePeriod() throws {
        let store = try fixture.open()
        let pending = try store.put(randomBytes(1000, seed: 1))
        let later = Date().addingTimeInterval(2 * 3600)

        let now = try store.gc(grace: 3600)
        #expect(now.removedBlobs == 0 && now.keptBlobs == 1 && now.recentBlobs == 1)
        try store.record(sampleAction("built", outputs: ["model": pending]))   // the build goes on
        #expect(try store.action(for: key("built")) != nil)

        // Forgotten, then put again by a rerun: the second put restarts its grace period.
        try store.forget(key: key("built"))
        #expect(try store.gc(grace: 3600, now: later).removedBlobs == 1)
        #expect(try store.put(randomBytes(1000, seed: 1)) == pending)
        #expect(try store.gc(grace: 3600).recentBlobs == 1)
        #expect(try store.gc(grace: 3600, now: later).removedBlobs == 1)
        #expect(!store.contains(pending))
    }

    /// A blob file whose index row is not written yet (put is between its rename and its row)
    /// is judged by the file's time.
    @Test func gcKeepsARecentFileWithoutItsRow() throws {
        let store = try fixture.open()
        let digest = try store.put(randomBytes(1000, seed: 3))
        try store.index.write { db in try db.execute(sql: "DELETE FROM blobs") }
        #expect(try store.gc(grace: 3600).recentBlobs == 1)
        #expect(store.contains(digest))
        #expect(try store.gc(grace: 3600, now: Date().addingTimeInterval(7200)).removedBlobs == 1)
    }

    @Test func dryRunRemovesNothing() throws {
        let store = try fixture.open()
        let orphan = try store.put(randomBytes(1000, seed: 1))
        let model = try store.put(randomBytes(1000, seed: 2))
        try store.record(sampleAction("a", outputs: ["model": model]))
        let leftover = fixture.root.appendingPathComponent("tmp/999-dead.tmp")
        try Data("partial".utf8).write(to: leftover)

        let dry = try store.gc(keepBytes: 0, dryRun: true, grace: 0)
        #expect(dry.removedBlobs == 2 && dry.removedActions == 1 && dry.removedTempFiles == 1)
        #expect(store.contains(orphan) && store.contains(model))
        #expect(try store.action(for: key("a")) != nil)
        #expect(FileManager.default.fileExists(atPath: leftover.path))
        #expect(try store.gc(keepBytes: 0, grace: 0) == dry)
    }

    @Test func keepBytesDropsTheLeastRecentlyUsedActionFirst() throws {
        let store = try fixture.open()
        let first = try store.put(randomBytes(10_000, seed: 1))
        let second = try store.put(randomBytes(10_000, seed: 2))
        let shared = try store.put(Data("shared log".utf8))
        try store.record(sampleAction("first", outputs: ["model": first], log: shared))
        try store.record(sampleAction("second", outputs: ["model": second], log: shared))
        // "first" was recorded earlier but used later, so "second" is the one to go. A touch
        // within the hour after recording changes nothing; two hours later it counts.
        try store.touch(keys: [key("first")])
        try store.touch(keys: [key("first")], at: Date().addingTimeInterval(2 * 3600))
        let budget = store.blobSize(first)!.stored + store.blobSize(shared)!.stored

        let report = try store.gc(keepBytes: budget, grace: 0)
        #expect(report.removedActions == 1)
        #expect(report.removedBlobs == 1)
        #expect(report.keptBytes == budget)
        #expect(try store.action(for: key("first")) != nil)
        #expect(try store.action(for: key("second")) == nil)
        #expect(!store.contains(second))
        #expect(store.contains(shared))
    }

    @Test func leftoverTempFilesAreIgnoredThenSwept() throws {
        let store = try fixture.open()
        let leftover = fixture.root.appendingPathComponent("tmp/4242-killed-writer.tmp")
        try randomBytes(5000).write(to: leftover)
        // A writer still at work holds its temp file's lock: gc must not take it away.
        let inFlight = try TempFile(directory: fixture.root.path + "/tmp", mode: 0o444)

        let digest = try store.put(Data("works".utf8))
        #expect(try store.get(digest) == Data("works".utf8))
        let report = try store.gc(grace: 0)
        #expect(report.removedTempFiles == 1)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(FileManager.default.fileExists(atPath: inFlight.path))
        inFlight.discard()
    }

    @Test func gcSweepsUnheldLockFilesOnly() throws {
        let store = try fixture.open()
        let held = try store.lock(key: key("held"))
        try store.lock(key: key("released")).release()
        _ = try store.gc(grace: 0)
        #expect(FileManager.default.fileExists(atPath: held.path))
        #expect(!FileManager.default.fileExists(atPath: store.lockPath(key("released"))))
        // The swept key locks again, and the held one still excludes.
        #expect(try store.tryLock(key: key("released")) != nil)
        #expect(try store.tryLock(key: key("held")) == nil)
    }

    @Test func verifyReindexesBlobsAfterTheIndexStartedOver() throws {
        let digest: Digest
        do {
            let store = try fixture.open()
            digest = try store.put(compressibleBytes(1000))
        }
        try Data("garbage".utf8).write(to: fixture.root.appendingPathComponent("index.sqlite"))
        let store = try fixture.open()
        #expect(store.contains(digest))
        let report = try store.verify()
        #expect(report.checked == 1 && report.corrupt.isEmpty && report.missing.isEmpty)
        #expect(try store.get(digest) == compressibleBytes(1000))
        // verify indexed the file: now that it is gone, the index notices.
        try FileManager.default.removeItem(atPath: fixture.blobPath(digest))
        #expect(try store.verify().missing == [digest])
    }
}
