import CKernels
import COpenBLAS
import Foundation

/// One row through a weight matrix without an OpenBLAS call (CKernels/GemvFMA.h), used by `linear`
/// for decode steps only where it gives OpenBLAS's bits on this machine.
///
/// The arithmetic (`definition`): each output's sum in blocks of 4096 of the summed index; within a
/// block, eight lanes of fused multiply-adds from +0 (the first 4 elements in lanes 0-3 when the
/// block's length has bit 2 set), then 8 elements at a time, reduced as ((l0+l4) + (l1+l5)) +
/// ((l2+l6) + (l3+l7)); each block's sum added to the output (+0 or its old value). That is what
/// OpenBLAS 0.3.21's Haswell/Zen sgemv_t kernel computes (its SkylakeX build too, above 8 summed
/// elements), but other versions and cores may sum otherwise. So `agrees` runs both on made-up
/// operands, once per process and length, and the kernel replaces sgemv only where the bits agree:
/// outputs never depend on which path ran. What it saves is OpenBLAS's per-call work (a buffer
/// from its allocator, each sum written to a temporary and added back), a few percent of a step.
enum GEMVKernel {
    /// Whether this CPU runs the kernel: the same needs (AVX2, FMA, PIPE_KERNELS) as the attention kernels.
    static var runnable: Bool { AttentionKernels.runnable }

    private struct Use: Hashable { var k: Int, accumulate: Bool }
    private static let lock = NSLock()
    nonisolated(unsafe) private static var known: [Use: Bool] = [:]

    /// Whether the kernel gives sgemv's bits for sums of `k` elements into outputs scaled by `beta`
    /// (memoized `compare`; false where the kernel cannot run: beta other than 0 and 1, k not a multiple of 4).
    static func agrees(k: Int, beta: Float) -> Bool {
        guard runnable, k > 0, k % 4 == 0, beta == 0 || beta == 1, BLASVector.sgemv != nil else { return false }
        let use = Use(k: k, accumulate: beta == 1)
        if let found = lock.withLock({ known[use] }) { return found }
        let result = compare(k: k, accumulate: use.accumulate)
        lock.withLock { known[use] = result }
        return result
    }

    /// Runs the kernel and sgemv (as `linear` calls it) on the same pseudo-random operands, 16 rows
    /// of `k`, and compares the bits. Sums in different orders differ in some of 16 outputs for
    /// almost any operands, so one trial suffices.
    static func compare(k: Int, accumulate: Bool) -> Bool {
        guard let sgemv = BLASVector.sgemv else { return false }
        let rows = 16
        let w = testOperand(rows * k, seed: 1), x = testOperand(k, seed: 2), start = testOperand(rows, seed: 3)
        var viaBLAS = start, viaKernel = start
        sgemv(CblasRowMajor, CblasNoTrans, blasint(rows), blasint(k), 1, w, blasint(k), x, 1, accumulate ? 1 : 0,
              &viaBLAS, 1)
        run(w, x, &viaKernel, rows: rows, k: k, accumulate: accumulate)
        return viaBLAS.map(\.bitPattern) == viaKernel.map(\.bitPattern)
    }

    /// Values in [-1, 1) from a linear congruential sequence.
    static func testOperand(_ count: Int, seed: UInt64) -> [Float] {
        var state = 0x9E37_79B9_7F4A_7C15 &* (seed + 1)
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return 2 * Float(state >> 40) / Float(1 << 24) - 1
        }
    }

    /// y (rows) = (accumulate ? y : +0) + w (rows, k) x, w row-major; rows and k multiples of 4.
    static func run(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                    rows: Int, k: Int, accumulate: Bool) {
        precondition(rows % 4 == 0 && k % 4 == 0, "GEMVKernel: \(rows) rows of \(k) (both must be multiples of 4)")
        #if arch(x86_64)
        pipe_gemv_rows_fma(w, x, y, rows, k, accumulate ? 1 : 0)
        #else
        fatalError("GEMVKernel: no kernel on this architecture")
        #endif
    }

    /// The definition of `run`, one output and one lane at a time.
    static func definition(_ w: [Float], _ x: [Float], _ y: [Float], rows: Int, k: Int, accumulate: Bool) -> [Float] {
        (0..<rows).map { j in
            var out: Float = accumulate ? y[j] : 0
            for block in stride(from: 0, to: k, by: 4096) {
                let end = min(k, block + 4096)
                var lanes = [Float](repeating: 0, count: 8)
                var i = block
                if (end - block) & 4 != 0 {
                    for l in 0..<4 { lanes[l] = lanes[l].addingProduct(w[j * k + i + l], x[i + l]) }
                    i += 4
                }
                while i < end {
                    for l in 0..<8 { lanes[l] = lanes[l].addingProduct(w[j * k + i + l], x[i + l]) }
                    i += 8
                }
                let halves = (0..<4).map { lanes[$0 + 4] + lanes[$0] }
                out = out + ((halves[0] + halves[1]) + (halves[2] + halves[3]))
            }
            return out
        }
    }
}
