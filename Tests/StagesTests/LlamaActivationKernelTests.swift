import Foundation
import Testing
@testable import Stages

/// swiGLU and softmaxInPlace give the same Floats with every kernel level this machine runs (the
/// AVX2 twins in CKernels/LlamaActivationsAVX2.h against the 4-lane Swift loops), and stay close
/// to their float64 definitions.
@Suite("LLM activation kernels")
struct LlamaActivationKernelTests {
    /// Values from -100 to 100 (beyond the exponential's clamp both ways), with zeros of both signs.
    static func values(_ count: Int, seed: Double) -> [Float] {
        (0..<count).map { (i: Int) -> Float in
            if i % 17 == 3 { return 0 }
            if i % 17 == 5 { return -0.0 }
            return Float(Foundation.sin(Double(i) * 12.9898 + seed) * 100)
        }
    }

    @Test(arguments: CPUFeatures.runnableISAs) func swiGLUIsTheSameWithEveryKernel(isa: VectorISA) {
        for count in [1, 7, 8, 13, 16, 1536] {
            let gate = Self.values(count, seed: 1), up = Self.values(count, seed: 2).map { $0 / 10 }
            var portable = [Float](repeating: .nan, count: count), kernel = portable
            swiGLU(gate: gate, up: up, &portable, count: count, isa: .portable)
            swiGLU(gate: gate, up: up, &kernel, count: count, isa: isa)
            let differing = (0..<count).filter { portable[$0].bitPattern != kernel[$0].bitPattern }
            #expect(differing.isEmpty, "\(isa), \(count) values: \(differing.count) differ, first at \(differing.first ?? -1)")
            for i in 0..<count where abs(gate[i]) < 80 {
                let (g, u) = (Double(gate[i]), Double(up[i]))
                let exact = g / (1 + Foundation.exp(-g)) * u
                #expect(abs(Double(kernel[i]) - exact) <= 1e-5 * max(1, abs(exact)), "value \(i): \(kernel[i]) vs \(exact)")
            }
        }
    }

    @Test(arguments: CPUFeatures.runnableISAs) func softmaxIsTheSameWithEveryKernel(isa: VectorISA) {
        for count in [1, 5, 8, 15, 16, 62, 63, 1000] {
            let scores = Self.values(count, seed: 3).map { $0 / 8 }
            var portable = scores, kernel = scores
            softmaxInPlace(&portable, count: count, isa: .portable)
            softmaxInPlace(&kernel, count: count, isa: isa)
            let differing = (0..<count).filter { portable[$0].bitPattern != kernel[$0].bitPattern }
            #expect(differing.isEmpty, "\(isa), \(count) scores: \(differing.count) differ, first at \(differing.first ?? -1)")
            let top = scores.map(Double.init).max()!
            let exps = scores.map { Foundation.exp(Double($0) - top) }, total = exps.reduce(0, +)
            for i in 0..<count { #expect(abs(Double(kernel[i]) - exps[i] / total) <= 1e-6, "score \(i) of \(count)") }
        }
    }
}
