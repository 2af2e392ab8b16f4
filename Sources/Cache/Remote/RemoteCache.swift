import Foundation

/// Moves stage results between the local store and a remote: pulls read through, pushes write
/// through. The one place that checks remote bytes: every downloaded blob must hash to its
/// digest before it is stored or used; a mismatch is rejected (`RemoteError.digestMismatch`),
/// never stored. A pull stores blobs first and records the action last, so nothing partial
/// enters the store; a push uploads blobs first and the /ac/ entry last, so no reader sees an
/// entry whose blobs are not there yet.
public final class RemoteCache: @unchecked Sendable {
    public let store: ArtifactStore
    public let remote: Remote
    /// Write through: `push(_:)` after every stage built (pipe build --push).
    public let pushesBuilds: Bool
    /// Blob transfers at once.
    public let concurrency: Int
    public let progress: TransferProgress?
    private let lock = NSLock()
    /// Blobs this process found corrupt on the remote: pushes overwrite them instead of
    /// trusting HEAD (which only says the name exists).
    private var corruptOnRemote = Set<Digest>()
    /// Set once the remote could not be reached: later calls fail at once instead of retrying
    /// again for every stage of the build.
    private var unreachable: RemoteError?

    public init(store: ArtifactStore, remote: Remote, pushesBuilds: Bool = false, concurrency: Int = 4,
                progress: TransferProgress? = nil) {
        self.store = store
        self.remote = remote
        self.pushesBuilds = pushesBuilds
        self.concurrency = max(1, concurrency)
        self.progress = progress
    }

    /// True if the remote has an /ac/ entry for `key` (blobs not checked).
    public func remoteHasResult(key: Digest) throws -> Bool {
        try reachable { try remote.has(.ac, key.hex) }
    }

    /// Runs `body` unless the remote already proved unreachable; remembers if it does now.
    private func reachable<T>(_ body: () throws -> T) throws -> T {
        if let unreachable = lock.withLock({ unreachable }) { throw unreachable }
        do { return try body() } catch let error as RemoteError {
            if case .unreachable = error { lock.withLock { unreachable = error } }
            throw error
        }
    }

    /// Copies the result of `key` into the local store and returns it; nil when the remote has
    /// no entry or lacks any blob it names (a miss: the stage must run).
    public func pull(key: Digest) throws -> ActionRecord? {
        try reachable { try pullReachable(key: key) }
    }

    private func pullReachable(key: Digest) throws -> ActionRecord? {
        guard let data = try remote.get(.ac, key.hex) else { return nil }
        let record = try RemoteAction.decode(data, key: key, source: "\(remote.location)/ac/\(key.hex)")
        let missing = record.blobs.filter { !store.contains($0) }
        let complete = try Self.concurrently(Array(Set(missing)), limit: concurrency) { [self] digest in
            try pullBlob(digest)
        }
        guard complete.allSatisfy({ $0 }) else { return nil }
        try store.record(record)
        return record
    }

    /// The result of `key` as the remote has it, nothing fetched yet: nil when the remote has
    /// no entry or lacks any blob it names. For planning a closure first and fetching all its
    /// blobs at once afterwards (`pull(_:)`).
    public func remoteResult(key: Digest) throws -> ActionRecord? {
        try reachable {
            guard let data = try remote.get(.ac, key.hex) else { return nil }
            let record = try RemoteAction.decode(data, key: key, source: "\(remote.location)/ac/\(key.hex)")
            let missing = Array(Set(record.blobs.filter { !store.contains($0) }))
            let present = try Self.concurrently(missing, limit: concurrency) { [self] in try remote.has(.cas, $0.hex) }
            return present.allSatisfy { $0 } ? record : nil
        }
    }

    /// Copies `records` (from `remoteResult`) into the local store: their blobs first, at most
    /// `concurrency` at once across all of them, then each record whose blobs all arrived.
    /// Returns the records stored; one missing from it lost a blob on the remote meanwhile.
    public func pull(_ records: [ActionRecord]) throws -> [ActionRecord] {
        try reachable {
            var seen = Set<Digest>()
            let missing = records.flatMap(\.blobs).filter { !store.contains($0) && seen.insert($0).inserted }
            let arrived = try Self.concurrently(missing, limit: concurrency) { [self] in try pullBlob($0) }
            let lost = Set(zip(missing, arrived).filter { !$0.1 }.map(\.0))
            let complete = records.filter { Set($0.blobs).isDisjoint(with: lost) }
            for record in complete { try store.record(record) }
            return complete
        }
    }

    /// Downloads blob `digest` through a temp file into the store, checked against its name
    /// in the pass that compresses it, so memory does not grow with its size and wrong bytes
    /// are never stored. False if the remote lacks it.
    private func pullBlob(_ digest: Digest) throws -> Bool {
        let temp = try store.transferFile()
        defer { temp.discard() }
        let file = URL(fileURLWithPath: temp.path)
        guard try remote.download(.cas, digest.hex, to: file) else { return false }
        let actual = try store.put(fileAt: file, ifDigestIs: digest)
        guard actual == digest else {
            lock.withLock { _ = corruptOnRemote.insert(digest) }
            throw RemoteError.digestMismatch(url: "\(remote.location)/cas/\(digest.hex)", expected: digest, actual: actual)
        }
        progress?.add(bytes: Int((try? POSIX.fileStatus(temp.path))??.st_size ?? 0))
        return true
    }

    /// Uploads the blobs of `record` the remote lacks, then its /ac/ entry. Returns the bytes sent.
    @discardableResult
    public func push(_ record: ActionRecord) throws -> Int64 {
        try push([record])
    }

    /// Uploads the blobs of all `records` the remote lacks, `concurrency` at once across stages,
    /// then their /ac/ entries in order. Returns the bytes sent.
    @discardableResult
    public func push(_ records: [ActionRecord]) throws -> Int64 {
        try reachable { try pushReachable(records) }
    }

    private func pushReachable(_ records: [ActionRecord]) throws -> Int64 {
        var seen = Set<Digest>()
        let blobs = records.flatMap(\.blobs).filter { seen.insert($0).inserted }
        let sent = try Self.concurrently(blobs, limit: concurrency) { [self] digest in try pushBlob(digest) }
        for record in records { try remote.put(.ac, record.key.hex, RemoteAction.encode(record)) }
        return sent.reduce(0, +)
    }

    /// Uploads blob `digest` unless the remote has it: decoded (and checked) into a temp file
    /// first, then streamed from there. Returns the bytes sent.
    private func pushBlob(_ digest: Digest) throws -> Int64 {
        let knownBad = lock.withLock { corruptOnRemote.contains(digest) }
        if !knownBad, try remote.has(.cas, digest.hex) { return 0 }
        let temp = try store.transferFile()
        defer { temp.discard() }
        let size = try store.get(digest, into: temp)
        try remote.upload(.cas, digest.hex, from: URL(fileURLWithPath: temp.path))
        lock.withLock { _ = corruptOnRemote.remove(digest) }
        progress?.add(bytes: Int(size))
        return size
    }

    /// Runs `body` on every item with at most `limit` at once; rethrows the first error after
    /// all running calls have finished (so no transfer outlives the call).
    static func concurrently<T: Sendable, R: Sendable>(_ items: [T], limit: Int,
                                                      _ body: @escaping @Sendable (T) throws -> R) throws -> [R] {
        if items.count <= 1 || limit <= 1 { return try items.map(body) }
        let shared = ConcurrentResults<R>(count: items.count)
        let group = DispatchGroup()
        for _ in 0..<min(limit, items.count) {
            group.enter()
            Thread {
                defer { group.leave() }
                while true {
                    let index: Int? = shared.lock.withLock {
                        guard shared.error == nil, shared.next < items.count else { return nil }
                        shared.next += 1
                        return shared.next - 1
                    }
                    guard let index else { return }
                    do {
                        let result = try body(items[index])
                        shared.lock.withLock { shared.results[index] = result }
                    } catch {
                        shared.lock.withLock { if shared.error == nil { shared.error = error } }
                    }
                }
            }.start()
        }
        group.wait()
        if let error = shared.error { throw error }
        return shared.results.map { $0! }
    }
}

/// The shared state of one `RemoteCache.concurrently` call, guarded by its lock.
private final class ConcurrentResults<R>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var results: [R?]
    var error: Error?
    init(count: Int) { results = Array(repeating: nil, count: count) }
}
