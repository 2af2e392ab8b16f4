import Foundation
import Testing
@testable import Stages

// PrefixForks' attention kernels (AttentionKernels, CKernels/AttentionFMA.h): bit for bit against
// their Swift definitions, the definitions against float64, and the per-shape check that decides
// whether they replace OpenBLAS against fresh operands.

@Suite("Attention kernels")
struct AttentionKernelTests {
    /// Shapes around the kernels' blocks (24 and 8 positions, a masked tail) and head sizes of the
    /// fixtures (8) and SmolLM2/Llama (64); visible is 1 more than a few multiples of 8.
    static let shapes: [(queries: Int, visible: Int, hd: Int)] =
        [1, 2, 3, 4, 5].flatMap { q in [1, 7, 8, 9, 23, 24, 25, 33, 62, 63].flatMap { v in [8, 64].map { (q, v, $0) } } }

    /// The operands of one shape: queries, keys transposed with a stride past `visible`, weights, values.
    static func operands(_ q: Int, _ v: Int, _ hd: Int, seed: Int) -> (q: [Float], keysT: [Float], stride: Int, weights: [Float], values: [Float]) {
        let stride = v + 3
        return (testValues(q * hd, seed: seed), testValues(hd * stride, seed: seed + 1), stride,
                testValues(q * v, seed: seed + 2).map { abs($0) / Float(v) }, testValues(v * hd, seed: seed + 3))
    }

    @Test(.enabled(if: AttentionKernels.runnable)) func kernelsEqualTheirDefinitionsBitForBit() {
        for (q, v, hd) in Self.shapes {
            let o = Self.operands(q, v, hd, seed: 31 * v + q)
            var scores = [Float](repeating: .nan, count: q * v), sums = [Float](repeating: .nan, count: q * hd)
            AttentionKernels.scores(o.q, queries: q, keysT: o.keysT, stride: o.stride, visible: v, headDimension: hd,
                                    scale: 0.125, into: &scores)
            AttentionKernels.weightedSum(o.weights, queries: q, values: o.values, visible: v, headDimension: hd, into: &sums)
            let expectedScores = AttentionKernels.scoresDefinition(o.q, queries: q, keysT: o.keysT, stride: o.stride,
                                                                   visible: v, headDimension: hd, scale: 0.125)
            let expectedSums = AttentionKernels.weightedSumDefinition(o.weights, queries: q, values: o.values, visible: v,
                                                                      headDimension: hd)
            #expect(scores.map(\.bitPattern) == expectedScores.map(\.bitPattern), "scores, \(q) queries, \(v) positions, head \(hd)")
            #expect(sums.map(\.bitPattern) == expectedSums.map(\.bitPattern), "weighted sum, \(q) queries, \(v) positions, head \(hd)")
        }
    }

    @Test func definitionsMatchFloat64() {
        for (q, v, hd) in Self.shapes where hd == 64 {
            let o = Self.operands(q, v, hd, seed: 7 * v + q)
            let scale: Float = 0.125
            let scores = AttentionKernels.scoresDefinition(o.q, queries: q, keysT: o.keysT, stride: o.stride, visible: v,
                                                           headDimension: hd, scale: scale)
            let sums = AttentionKernels.weightedSumDefinition(o.weights, queries: q, values: o.values, visible: v, headDimension: hd)
            for j in 0..<q {
                for p in 0..<v {
                    let exact = Double(scale) * (0..<hd).reduce(0.0) { $0 + Double(o.q[j * hd + $1]) * Double(o.keysT[$1 * o.stride + p]) }
                    #expect(abs(Double(scores[j * v + p]) - exact) <= 1e-5)
                }
                for d in 0..<hd {
                    let exact = (0..<v).reduce(0.0) { $0 + Double(o.weights[j * v + $1]) * Double(o.values[$1 * hd + d]) }
                    #expect(abs(Double(sums[j * hd + d]) - exact) <= 1e-6)
                }
            }
        }
    }

    /// Where the check says a kernel gives OpenBLAS's bits for a shape, it does on other operands too
    /// (the summation order does not depend on the values), with the BLAS calls PrefixForks makes.
    @Test(.enabled(if: AttentionKernels.runnable)) func agreementHoldsForFreshOperands() {
        var agreed = 0
        for (q, v, hd) in Self.shapes {
            let found = AttentionKernels.agreement(queries: q, visible: v, headDimension: hd, scale: 0.125)
            #expect(found == AttentionKernels.compare(queries: q, visible: v, headDimension: hd, scale: 0.125))
            for seed in [101, 202] {
                let o = Self.operands(q, v, hd, seed: seed + v)
                let keys = AttentionKernels.transposed(Array(o.keysT.prefix(hd * o.stride)), rows: hd, columns: o.stride)
                if found.scores {
                    var blas = [Float](repeating: 0, count: q * v), kernel = blas
                    BLAS.sgemm(transposeB: true, m: q, n: v, k: hd, alpha: 0.125, o.q, keys, &blas)
                    AttentionKernels.scores(o.q, queries: q, keysT: o.keysT, stride: o.stride, visible: v, headDimension: hd,
                                            scale: 0.125, into: &kernel)
                    #expect(blas.map(\.bitPattern) == kernel.map(\.bitPattern), "scores, \(q) queries, \(v) positions, head \(hd)")
                    agreed += 1
                }
                if found.weightedSum {
                    var blas = [Float](repeating: 0, count: q * hd), kernel = blas
                    BLAS.sgemm(m: q, n: hd, k: v, o.weights, o.values, &blas)
                    AttentionKernels.weightedSum(o.weights, queries: q, values: o.values, visible: v, headDimension: hd, into: &kernel)
                    #expect(blas.map(\.bitPattern) == kernel.map(\.bitPattern), "weighted sum, \(q) queries, \(v) positions, head \(hd)")
                    agreed += 1
                }
            }
        }
        // Every OpenBLAS kernel seen so far (Zen, SkylakeX) agrees on some of these shapes.
        #expect(agreed > 0)
    }

    /// PIPE_KERNELS=portable and heads that are not a multiple of 8 keep OpenBLAS.
    @Test func unsupportedShapesKeepBLAS() {
        #expect(AttentionKernels.agreement(queries: 3, visible: 20, headDimension: 12, scale: 0.25) == .neither)
        #expect(AttentionKernels.agreement(queries: 0, visible: 20, headDimension: 64, scale: 0.125) == .neither)
    }
}
