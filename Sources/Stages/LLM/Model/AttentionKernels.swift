import CKernels
import Foundation

/// One position's attention products without a BLAS call each (CKernels/AttentionFMA.h), used by
/// PrefixForks only where they give OpenBLAS's bits on this machine.
///
/// The arithmetic (`scoresDefinition`, `weightedSumDefinition`): each output one fused multiply-add
/// after another in the summed index's order, from +0, then the scale. OpenBLAS computes exactly that
/// for SmolLM2's shapes (3 queries per key head) with its Zen kernels and its SkylakeX small-matrix NN
/// kernel, but not for 4 queries on Zen (Llama 3.2-1B's groups), and its SkylakeX small TN kernel
/// (the scores) sums 16 lanes and reduces them. So `agreement` runs both
/// on made-up operands of the shapes in use, once per process and shape, and each kernel replaces its
/// BLAS call only where the bits agree: outputs never depend on which path ran.
enum AttentionKernels {
    /// Whether this CPU runs the kernels (AVX2 and FMA) and PIPE_KERNELS allows them.
    static let runnable: Bool = {
        #if arch(x86_64)
        return CPUFeatures.vectorISA >= .avx2 && CPUFeatures.flags().contains("fma")
        #else
        return false
        #endif
    }()

    /// Which kernels agree with OpenBLAS for `queries` queries of `headDimension` over `visible` positions.
    struct Agreement: Hashable, Sendable {
        var scores: Bool, weightedSum: Bool
        static let neither = Agreement(scores: false, weightedSum: false)
    }

    private struct Shape: Hashable { var queries: Int, visible: Int, headDimension: Int, scale: UInt32 }
    private static let lock = NSLock()
    nonisolated(unsafe) private static var known: [Shape: Agreement] = [:]

    /// Memoized `compare` for the shape (none where the kernels cannot run).
    static func agreement(queries: Int, visible: Int, headDimension: Int, scale: Float) -> Agreement {
        guard runnable, headDimension % 8 == 0, queries > 0, visible > 0 else { return .neither }
        let shape = Shape(queries: queries, visible: visible, headDimension: headDimension, scale: scale.bitPattern)
        if let found = lock.withLock({ known[shape] }) { return found }
        let result = compare(queries: queries, visible: visible, headDimension: headDimension, scale: scale)
        lock.withLock { known[shape] = result }
        return result
    }

    /// Runs each kernel and its BLAS call (the arguments PrefixForks and LlamaModel.attend give it) on
    /// the same pseudo-random operands and compares the bits. Two dot products summed in different
    /// orders differ in some of the outputs for almost any operands, so one trial suffices.
    static func compare(queries: Int, visible: Int, headDimension hd: Int, scale: Float) -> Agreement {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func operand(_ count: Int, positive: Bool = false) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let unit = Float(state >> 40) / Float(1 << 24)
                return positive ? unit / Float(visible) : 2 * unit - 1
            }
        }
        let q = operand(queries * hd), keys = operand(visible * hd), values = operand(visible * hd)
        let weights = operand(queries * visible, positive: true)
        let keysT = transposed(keys, rows: visible, columns: hd)
        var viaBLAS = [Float](repeating: 0, count: queries * visible), viaKernel = viaBLAS
        BLAS.sgemm(transposeB: true, m: queries, n: visible, k: hd, alpha: scale, q, keys, &viaBLAS)
        scores(q, queries: queries, keysT: keysT, stride: visible, visible: visible, headDimension: hd, scale: scale, into: &viaKernel)
        let scoresAgree = viaBLAS.map(\.bitPattern) == viaKernel.map(\.bitPattern)
        var sumBLAS = [Float](repeating: 0, count: queries * hd), sumKernel = sumBLAS
        BLAS.sgemm(m: queries, n: hd, k: visible, weights, values, &sumBLAS)
        weightedSum(weights, queries: queries, values: values, visible: visible, headDimension: hd, into: &sumKernel)
        return Agreement(scores: scoresAgree, weightedSum: sumBLAS.map(\.bitPattern) == sumKernel.map(\.bitPattern))
    }

    /// `matrix` (rows, columns) row-major, transposed.
    static func transposed(_ matrix: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: matrix.count)
        for r in 0..<rows { for c in 0..<columns { result[c * rows + r] = matrix[r * columns + c] } }
        return result
    }

    /// scores[j][p] = scale * Σ_k q[j][k] keysT[k * stride + p] (see the type's doc); the AVX2 kernel.
    static func scores(_ q: UnsafePointer<Float>, queries: Int, keysT: UnsafePointer<Float>, stride: Int, visible: Int,
                       headDimension: Int, scale: Float, into scores: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        pipe_attention_scores_fma(q, queries, keysT, stride, visible, headDimension, scale, scores)
        #else
        fatalError("AttentionKernels: no kernels on this architecture")
        #endif
    }

    /// out[j][d] = Σ_p weights[j][p] values[p][d] (see the type's doc); the AVX2 kernel.
    static func weightedSum(_ weights: UnsafePointer<Float>, queries: Int, values: UnsafePointer<Float>, visible: Int,
                            headDimension: Int, into out: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        pipe_attention_weighted_sum_fma(weights, queries, values, visible, headDimension, out)
        #else
        fatalError("AttentionKernels: no kernels on this architecture")
        #endif
    }

    /// The definition of `scores`, one output at a time.
    static func scoresDefinition(_ q: [Float], queries: Int, keysT: [Float], stride: Int, visible: Int,
                                 headDimension hd: Int, scale: Float) -> [Float] {
        var out = [Float](repeating: 0, count: queries * visible)
        for j in 0..<queries {
            for p in 0..<visible {
                var sum: Float = 0
                for k in 0..<hd { sum = sum.addingProduct(q[j * hd + k], keysT[k * stride + p]) }
                out[j * visible + p] = sum * scale
            }
        }
        return out
    }

    /// The definition of `weightedSum`, one output at a time.
    static func weightedSumDefinition(_ weights: [Float], queries: Int, values: [Float], visible: Int,
                                      headDimension hd: Int) -> [Float] {
        var out = [Float](repeating: 0, count: queries * hd)
        for j in 0..<queries {
            for d in 0..<hd {
                var sum: Float = 0
                for p in 0..<visible { sum = sum.addingProduct(weights[j * visible + p], values[p * hd + d]) }
                out[j * hd + d] = sum
            }
        }
        return out
    }
}
