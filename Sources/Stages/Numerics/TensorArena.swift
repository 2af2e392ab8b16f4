/// Address space on 2 MiB pages that many tensors are carved from, freed when the arena and the
/// last tensor in it are gone. For a model's weights, loaded once and kept together.
///
/// Why: Tensor asks for 2 MiB pages only from 4 MB up, and a Llama layer's q/k/v, output and down
/// matrices are smaller (SmolLM2: 2.2, 1.3 and 3.5 MB, 210 MB in all), so they lay on 4 KiB pages:
/// 54,000 page faults at load and as many TLB entries for every decode step that streams them.
/// Carved from one arena they share huge pages. Space the tensors never touch costs no memory.
final class TensorArena: @unchecked Sendable {
    /// Address space reserved at a time; a larger tensor gets a chunk of its own size.
    static let chunkBytes = 256 << 20

    private var chunks: [UnsafeMutableRawPointer] = []
    private var free: UnsafeMutableRawPointer?
    private var remaining = 0

    init() {}

    deinit { for chunk in chunks { chunk.deallocate() } }

    /// `byteCount` untouched bytes, 64-byte aligned, valid while the arena lives. Not thread-safe:
    /// carve tensors on one thread, fill them on many.
    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let bytes = max(64, (byteCount + 63) / 64 * 64)
        if bytes > remaining {
            let size = max(Self.chunkBytes, HugePageBytes.rounded(bytes))
            let chunk = HugePageBytes.allocate(byteCount: size)
            chunks.append(chunk)
            (free, remaining) = (chunk, size)
        }
        let result = free!
        (free, remaining) = (result + bytes, remaining - bytes)
        return result
    }
}
