import Foundation
import Testing
@testable import Stages

@Suite("Numerics: counter RNG, shuffles, BLAS setup")
struct NumericsRandomTests {
    @Test func streamsArePureFunctionsOfTheirPath() {
        let a = RandomStream(seed: 7, .initialWeights, 3, 1)
        #expect(a == RandomStream(seed: 7, .initialWeights, 3, 1))
        #expect((0..<100).map(a.bits) == (0..<100).map(RandomStream(seed: 7, .initialWeights, 3, 1).bits))
        #expect(a != RandomStream(seed: 8, .initialWeights, 3, 1))
        #expect(a != RandomStream(seed: 7, .teacherShuffle, 3, 1))
        #expect(a != RandomStream(seed: 7, .initialWeights, 1, 3))
        #expect(RandomStream(seed: 7, .test, 5).child(2) == RandomStream(seed: 7, .test, 5, 2))
        // Pinned values: any change to the algorithm changes every cached result, so it must be deliberate.
        #expect(RandomStream.mix(0) == 0)
        #expect(RandomStream.mix(1) == 0x5692_161D_100B_05E5)
        #expect(RandomStream(seed: 0, .test).bits(0) == RandomStream.mix(RandomStream(seed: 0, .test).key
                                                                          &+ RandomStream.gamma))
    }

    @Test func uniformSymmetricSignAndNormalHaveTheirMoments() {
        let stream = RandomStream(seed: 1, .test)
        let n = 200_000
        func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
            let mean = values.reduce(0, +) / Double(values.count)
            return (mean, values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
        }
        let u = (0..<n).map { Double(stream.uniform($0)) }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(moments(u).mean - 0.5) < 0.005 && abs(moments(u).variance - 1.0 / 12) < 0.002)
        let s = (0..<n).map { Double(stream.symmetric($0)) }
        #expect(s.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(abs(moments(s).mean) < 0.01 && abs(moments(s).variance - 1.0 / 3) < 0.005)
        let b = (0..<n).map { Double(stream.sign($0)) }
        #expect(b.allSatisfy { $0 == 1 || $0 == -1 } && abs(moments(b).mean) < 0.01)
        let z = (0..<n / 2).flatMap { i -> [Double] in let (x, y) = stream.normalPair(i); return [Double(x), Double(y)] }
        let zm = moments(z)
        #expect(abs(zm.mean) < 0.01 && abs(zm.variance - 1) < 0.02)
        let within1 = Double(z.filter { abs($0) < 1 }.count) / Double(z.count)
        #expect(abs(within1 - 0.6827) < 0.005, "Normal: P(|z| < 1) = \(within1)")
        let below = (0..<n).map { stream.below(10, $0) }
        #expect(below.allSatisfy { (0..<10).contains($0) })
        #expect(Set(below).count == 10 && below.filter { $0 == 3 }.count > n / 10 - 1000)
    }

    @Test func shufflesArePermutationsAndDependOnlyOnTheStream() {
        let order = shuffledIndices(1000, RandomStream(seed: 3, .test, 1))
        #expect(Set(order).count == 1000 && order.allSatisfy { (0..<1000).contains($0) })
        #expect(order == shuffledIndices(1000, RandomStream(seed: 3, .test, 1)))
        #expect(order != shuffledIndices(1000, RandomStream(seed: 3, .test, 2)))
        #expect(order != Array(0..<1000).map(Int32.init))
        // Every position is equally likely to receive element 0.
        var firstPlace = [Int](repeating: 0, count: 5)
        for trial in 0..<5000 { firstPlace[Int(shuffledIndices(5, RandomStream(seed: 4, .test, trial))[0])] += 1 }
        #expect(firstPlace.allSatisfy { abs($0 - 1000) < 150 }, "\(firstPlace)")
        for models in [2, 3, 25] {
            let perm = derangement(models, RandomStream(seed: 5, .modelPermutation))
            #expect(Set(perm) == Set(0..<models) && perm.enumerated().allSatisfy { $0.offset != $0.element })
        }
    }

    @Test func coreTypeRuleAndLoadedLibrary() throws {
        #expect(BLAS.coreType(forFlags: ["sse2", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq"]) == "SkylakeX")
        #expect(BLAS.coreType(forFlags: ["sse2", "avx2", "avx512f"]) == nil)
        #expect(BLAS.coreType(forFlags: []) == nil)
        #expect(CPUFeatures.isa(forFlags: ["sse2", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq"]) == .avx512)
        #expect(CPUFeatures.isa(forFlags: ["sse2", "avx2", "avx512f"]) == .avx2)  // Zen 3, or AVX-512 without BW/VL/DQ
        #expect(CPUFeatures.isa(forFlags: ["sse2", "sse4_2"]) == .portable)
        #expect(CPUFeatures.isa(widest: .avx2, requested: "portable") == .portable)
        #expect(CPUFeatures.isa(widest: .avx2, requested: "AVX512") == .avx2)  // never wider than the CPU runs
        #expect(CPUFeatures.isa(widest: .avx512, requested: "avx2") == .avx2)
        #expect(CPUFeatures.isa(widest: .avx512, requested: "sse9") == .avx512)
        #expect(CPUFeatures.isa(widest: .avx2, requested: nil) == .avx2)
        let avx512: Set<String> = ["avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq"]
        let replaced = BLAS.coreChoice(flags: avx512, inherited: "Haswell", pipeOverride: nil)
        #expect(replaced.set == "SkylakeX" && replaced.note?.contains("OPENBLAS_CORETYPE=Haswell") == true)
        #expect(BLAS.coreChoice(flags: avx512, inherited: "skylakex", pipeOverride: nil).note == nil)
        #expect(BLAS.coreChoice(flags: avx512, inherited: nil, pipeOverride: "Cooperlake").set == "Cooperlake")
        let plain = BLAS.coreChoice(flags: ["avx2"], inherited: "Haswell", pipeOverride: nil)
        #expect(plain.set == nil && plain.note == nil)
        try BLAS.ensureLoaded()
        let flags = CPUFeatures.flags()
        print("CPU: \(flags.count) flags, AVX-512: \(CPUFeatures.hasAVX512(flags)), OPENBLAS_CORETYPE="
              + (ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset"))
        print("OpenBLAS core: \(BLAS.coreName), library threads \(BLAS.libraryThreads), pipe workers \(BLAS.threads)")
        #expect(!BLAS.coreName.isEmpty)
        // Checked against what OpenBLAS itself reports, not against our own setting.
        if ProcessInfo.processInfo.environment["PIPE_OPENBLAS_CORETYPE"] == nil, CPUFeatures.hasAVX512(flags) {
            #expect(BLAS.coreName == "SkylakeX", "OpenBLAS did not take OPENBLAS_CORETYPE=SkylakeX")
        }
    }
}
