import Foundation

/// Freed tensor blocks on 2 MiB pages, kept for the next tensor of the same size (at most
/// `capacity` bytes, the oldest given up first). Tensor uses `shared`, of 1 GiB.
///
/// Why: glibc returns blocks this large to the kernel on free, and the next one is page-faulted and
/// zeroed by the kernel again, page by page. Under a hypervisor that cost about 0.25 s per 100 MB:
/// a number-probabilities stage allocates some 150 MB of logits and node caches, so a Topic B build's
/// 29 of them paid it 29 times. A reused block is only zero-filled, in memory that is already mapped.
final class HugePagePool: @unchecked Sendable {
    /// PIPE_TENSOR_POOL=off keeps nothing (each block goes back to the system), for comparisons.
    static let shared = HugePagePool(capacity: ProcessInfo.processInfo.environment["PIPE_TENSOR_POOL"] == "off" ? 0 : 1 << 30)

    /// Bytes of idle blocks kept at most.
    let capacity: Int

    private let lock = NSLock()
    /// Idle blocks, oldest first: the rounded byte count each was allocated with.
    private var idle: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
    private var held = 0

    init(capacity: Int) { self.capacity = capacity }

    deinit { for block in idle { block.pointer.deallocate() } }

    /// A block of `HugePageBytes.allocate(byteCount:)`'s size for `byteCount`: an idle one if any, else new.
    func take(byteCount: Int) -> UnsafeMutableRawPointer {
        let rounded = HugePageBytes.rounded(byteCount)
        let reused: UnsafeMutableRawPointer? = lock.withLock {
            guard let i = idle.lastIndex(where: { $0.bytes == rounded }) else { return nil }
            held -= rounded
            return idle.remove(at: i).pointer
        }
        return reused ?? HugePageBytes.allocate(byteCount: byteCount)
    }

    /// Keeps a block of `take(byteCount:)` for reuse, giving up the oldest beyond `capacity`.
    func give(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        let rounded = HugePageBytes.rounded(byteCount)
        guard rounded <= capacity else { pointer.deallocate(); return }
        let released: [UnsafeMutableRawPointer] = lock.withLock {
            idle.append((rounded, pointer))
            held += rounded
            var dropped: [UnsafeMutableRawPointer] = []
            while held > capacity {
                let oldest = idle.removeFirst()
                held -= oldest.bytes
                dropped.append(oldest.pointer)
            }
            return dropped
        }
        for block in released { block.deallocate() }
    }

    /// Bytes held in idle blocks (for tests).
    var idleBytes: Int { lock.withLock { held } }
}
