import Cache
import Foundation

/// The bytes of outputs stored during one build, kept in memory (least recently used first out,
/// at most `capacity` bytes) so that a stage reading them later in the same build skips the
/// store's decompression and SHA-256 check.
///
/// Why: a distillation stage reads a checkpoint (81 MB) and the teacher's logits (78 MB) that
/// the build stored minutes before; from the store that is about 0.4 s of zstd and hashing at
/// the measured 404 MB/s, for each of figure-exp2's 18 distillation stages. These are the bytes
/// whose digest the store just computed, so nothing is lost by not checking them again. One per
/// `Builder.build` call: a later build reads (and checks) the store as before.
public final class RecentOutputs: @unchecked Sendable {
    /// Bytes of outputs kept at most.
    public let capacity: Int
    private let lock = NSLock()
    private var kept: [Digest: Data] = [:]
    /// Digests, least recently used first.
    private var order: [Digest] = []
    private var held = 0

    /// PIPE_RECENT_OUTPUTS_MB (default 512; 0 keeps nothing).
    public static var defaultCapacity: Int {
        let megabytes = ProcessInfo.processInfo.environment["PIPE_RECENT_OUTPUTS_MB"].flatMap { Int($0) } ?? 512
        return max(0, megabytes) << 20
    }

    public init(capacity: Int = RecentOutputs.defaultCapacity) { self.capacity = capacity }

    /// Keeps `data`, stored as `digest`, dropping the least recently used beyond the capacity.
    /// An output larger than the capacity is not kept.
    public func keep(_ data: Data, as digest: Digest) {
        guard data.count <= capacity else { return }
        lock.withLock {
            if kept[digest] != nil {
                touch(digest)
                return
            }
            kept[digest] = data
            order.append(digest)
            held += data.count
            while held > capacity, let oldest = order.first {
                order.removeFirst()
                held -= kept.removeValue(forKey: oldest)?.count ?? 0
            }
        }
    }

    /// The kept bytes of `digest`, if any.
    public func bytes(_ digest: Digest) -> Data? {
        lock.withLock {
            guard let data = kept[digest] else { return nil }
            touch(digest)
            return data
        }
    }

    /// Bytes kept now (for tests).
    public var heldBytes: Int { lock.withLock { held } }

    private func touch(_ digest: Digest) {
        if let i = order.firstIndex(of: digest) { order.remove(at: i) }
        order.append(digest)
    }
}
