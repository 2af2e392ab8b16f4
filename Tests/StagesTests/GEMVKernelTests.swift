import COpenBLAS
import Foundation
import Testing
@testable import Stages

// A decode step's row kernel (GEMVKernel, CKernels/GemvFMA.h): bit for bit against its Swift
// definition, the definition against float64, and the per-length check that decides whether it
// replaces OpenBLAS's sgemv against fresh operands and through `linear`.

@Suite("GEMV kernel")
struct GEMVKernelTests {
    /// Lengths that take each head of a block (bit 2, bit 3 of the length), SmolLM2's (576, 1536),
    /// and more than one block of 4096 (Llama 3.2-1B's down projection sums 8192).
    static let lengths = [4, 8, 12, 20, 28, 44, 64, 576, 1536, 4092, 4096, 4100, 5004, 8192]

    @Test(.enabled(if: GEMVKernel.runnable)) func kernelEqualsItsDefinitionBitForBit() {
        for k in Self.lengths {
            for accumulate in [false, true] {
                let rows = 12
                let w = GEMVKernel.testOperand(rows * k, seed: UInt64(k)), x = GEMVKernel.testOperand(k, seed: 7)
                let start = GEMVKernel.testOperand(rows, seed: 9)
                var y = start
                GEMVKernel.run(w, x, &y, rows: rows, k: k, accumulate: accumulate)
                let expected = GEMVKernel.definition(w, x, start, rows: rows, k: k, accumulate: accumulate)
                #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "k \(k), accumulate \(accumulate)")
            }
        }
    }

    @Test func definitionMatchesFloat64() {
        for k in [20, 576, 5004] {
            let rows = 8
            let w = GEMVKernel.testOperand(rows * k, seed: 3), x = GEMVKernel.testOperand(k, seed: 4)
            let start = GEMVKernel.testOperand(rows, seed: 5)
            for accumulate in [false, true] {
                let y = GEMVKernel.definition(w, x, start, rows: rows, k: k, accumulate: accumulate)
                for j in 0..<rows {
                    let exact = (accumulate ? Double(start[j]) : 0)
                        + (0..<k).reduce(0.0) { $0 + Double(w[j * k + $1]) * Double(x[$1]) }
                    #expect(abs(Double(y[j]) - exact) <= 2e-6 * Double(k), "k \(k), row \(j)")
                }
            }
        }
    }

    /// Where the check says the kernel gives sgemv's bits for a length, it does on other operands
    /// and row counts too (the order does not depend on the values), and `linear` gives sgemv's bits
    /// either way, whatever the worker count.
    @Test func linearGivesSgemvBitsForFreshOperands() throws {
        try BLAS.ensureLoaded()
        let sgemv = try #require(BLASVector.sgemv)
        var agreed = 0
        for k in Self.lengths {
            for beta: Float in [0, 1] {
                let agrees = GEMVKernel.agrees(k: k, beta: beta)
                #expect(agrees == (GEMVKernel.runnable && GEMVKernel.compare(k: k, accumulate: beta == 1)))
                if agrees { agreed += 1 }
                let n = 100  // two workers get 64 and 36 columns
                let w = GEMVKernel.testOperand(n * k, seed: 11), x = GEMVKernel.testOperand(k, seed: 12)
                let start = GEMVKernel.testOperand(n, seed: 13)
                var viaBLAS = start
                sgemv(CblasRowMajor, CblasNoTrans, blasint(n), blasint(k), 1, w, blasint(k), x, 1, beta, &viaBLAS, 1)
                for workers in [1, 2] {
                    var viaLinear = start
                    linear(x, w, &viaLinear, m: 1, n: n, k: k, beta: beta, workers: workers)
                    #expect(viaLinear.map(\.bitPattern) == viaBLAS.map(\.bitPattern), "k \(k), beta \(beta), \(workers) workers")
                }
            }
        }
        // OpenBLAS 0.3.21's Zen and SkylakeX kernels, the machines' own, agree on every length here.
        if GEMVKernel.runnable { #expect(agreed > 0) }
    }

    /// Lengths that are not a multiple of 4 and other betas keep sgemv.
    @Test func unsupportedUsesKeepBLAS() {
        #expect(!GEMVKernel.agrees(k: 18, beta: 0))
        #expect(!GEMVKernel.agrees(k: 576, beta: 0.5))
        #expect(!GEMVKernel.agrees(k: 0, beta: 0))
    }
}
