import Foundation
import Synchronization
import Testing
@testable import Cache

@Suite struct ConcurrencyTests {
    let fixture = try! StoreFixture()

    @Test func aKeyLockExcludesTheSameKeyOnly() throws {
        let store = try fixture.open()
        let lock = try store.lock(key: key("a"))
        #expect(try store.tryLock(key: key("a")) == nil)
        #expect(try fixture.open().tryLock(key: key("a")) == nil)
        let other = try #require(try store.tryLock(key: key("b")))
        lock.release()
        lock.release()   // twice is harmless
        #expect(try store.tryLock(key: key("a")) != nil)   // and released again at once (deinit)
        #expect(try store.tryLock(key: key("a")) != nil)
        other.release()
    }

    @Test func lockWaitsForTheHolder() async throws {
        let store = try fixture.open()
        let held = try store.lock(key: key("a"))
        let acquired = Flag()
        let waiter = Thread {
            let lock = try! store.lock(key: key("a"))
            acquired.raise()
            lock.release()
        }
        waiter.start()
        try await Task.sleep(for: .milliseconds(100))
        #expect(!acquired.isRaised)
        held.release()
        for _ in 0..<500 where !acquired.isRaised {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(acquired.isRaised)
    }

    /// Another process (a shell holding flock on the lock file) excludes us; its death frees the key.
    /// Synchronous, and the holder holds until killed: an async test resumed late on a busy
    /// machine (CI's cooperative threads blocked by other tests) once outlived a 30 s holder.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock")))
    func aKeyLockHeldByAnotherProcess() throws {
        let store = try fixture.open()
        let path = store.lockPath(key("a"))
        let marker = fixture.directory.appendingPathComponent("locked").path
        // `exec` so the process we started is the one holding fd 9, and killing it frees the lock.
        // posix_spawn, not Foundation's Process: that makes the child lead a process group of its
        // own, which a stray group kill elsewhere in a busy machine could reach once ids wrap.
        let script = "exec 9>'\(path)'; /usr/bin/flock -x 9 && : > '\(marker)'; exec sleep 3600"
        let words: [String] = ["/bin/sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var holder: pid_t = 0
        #expect(posix_spawn(&holder, "/bin/sh", nil, nil, argv, environ) == 0)
        var reaped = false
        defer { if !reaped { kill(holder, SIGKILL); waitpid(holder, nil, 0) } }
        for _ in 0..<6000 where !FileManager.default.fileExists(atPath: marker) { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(try store.tryLock(key: key("a")) == nil)
        kill(holder, SIGTERM)
        waitpid(holder, nil, 0)
        reaped = true
        #expect(try store.tryLock(key: key("a")) != nil)
    }

    @Test func manyThreadsPutTheSameAndDifferentBlobs() throws {
        let store = try fixture.open()
        let shared = compressibleBytes(200_000)
        let digests = Mutex<[Int: Digest]>([:])
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            let mine = randomBytes(50_000, seed: UInt64(worker))
            let own = try! store.put(mine)
            let common = try! store.put(shared)
            #expect(try! store.get(own) == mine)
            #expect(common == Digest.of(shared))
            digests.withLock { $0[worker] = own }
        }
        let all = digests.withLock { $0 }
        #expect(Set(all.values).count == 16)
        #expect(try store.get(Digest.of(shared)) == shared)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.path + "/tmp").isEmpty)
        #expect(try store.verify().checked == 17)
    }

    @Test func manyThreadsRecordAndLookUp() throws {
        let store = try fixture.open()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for step in 0..<10 {
                let name = "\(worker)-\(step)"
                let action = sampleAction(name, outputs: ["out": try! store.put(Data(name.utf8))])
                try! store.record(action)
                try! store.setHead(stage: "stage-\(worker)", key: action.key)
                #expect(try! store.action(for: action.key) == action)
            }
        }
        #expect(try store.allActions().count == 80)
        #expect(try store.heads().count == 8)
    }

    /// Two instances on one root stand for two processes: separate SQLite connections, no
    /// shared memory but the files.
    @Test func twoStoresOnOneRootInterleave() throws {
        let first = try fixture.open()
        let second = try fixture.open()
        for step in 0..<10 {
            let (writer, reader) = step.isMultiple(of: 2) ? (first, second) : (second, first)
            let action = sampleAction("\(step)", outputs: ["out": try writer.put(Data("\(step)".utf8))])
            try writer.record(action)
            try writer.setHead(stage: "s", key: action.key)
            #expect(try reader.action(for: action.key) == action)
            #expect(try reader.head(ofStage: "s") == action.key)
        }
        try second.forget(key: key("0"))
        #expect(try first.action(for: key("0")) == nil)
        #expect(try first.allActions().count == 9)
        #expect(try second.gc(grace: 0).removedBlobs == 1)
        #expect(try first.verify().checked == 9)
    }
}

/// A boolean threads can share.
final class Flag: Sendable {
    private let state = Mutex(false)
    func raise() { state.withLock { $0 = true } }
    var isRaised: Bool { state.withLock { $0 } }
}
