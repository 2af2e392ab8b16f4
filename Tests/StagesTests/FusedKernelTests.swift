import Foundation
import Testing
@testable import Stages

// The fused, AVX2 and AVX-512 kernels of the training step: each against a float64 reference, and
// bit for bit against the unfused or portable kernels it replaces (training results must not change).
// Each vector kernel this machine runs (CPUFeatures.runnableISAs) is compared with the portable one.

@Suite("Fused, AVX2 and AVX-512 kernels")
struct FusedKernelTests {
    @Test func addBiasReLUIsAddBiasThenReLU() {
        let (rows, cols) = (7, 19)
        let values = testValues(rows * cols, seed: 21, scale: 3), bias = testValues(cols, seed: 22)
        let fused = Tensor(shape: [rows, cols], values), separate = Tensor(shape: [rows, cols], values)
        bias.withUnsafeBufferPointer {
            addBiasReLU(fused.pointer, $0.baseAddress!, rows: rows, cols: cols)
            addBias(separate.pointer, $0.baseAddress!, rows: rows, cols: cols)
        }
        relu(separate.pointer, count: separate.count)
        #expect(fused.array.map(\.bitPattern) == separate.array.map(\.bitPattern))
        let expected = (0..<rows * cols).map { max(Double(values[$0]) + Double(bias[$0 % cols]), 0) }
        #expect(zip(fused.array, expected).allSatisfy { abs(Double($0) - $1) <= 1e-6 * max(1, abs($1)) })
    }

    @Test func reluBackwardColumnSumsIsReluBackwardThenColumnSums() {
        let (rows, cols) = (11, 23)
        let grad = testValues(rows * cols, seed: 23), activation = Tensor(shape: [rows, cols], testValues(rows * cols, seed: 24))
        let fused = Tensor(shape: [rows, cols], grad), separate = Tensor(shape: [rows, cols], grad)
        let fusedSums = Tensor(shape: [cols]), separateSums = Tensor(shape: [cols])
        reluBackwardColumnSums(fused.pointer, activation: activation.pointer, rows: rows, cols: cols, fusedSums.pointer)
        reluBackward(separate.pointer, activation: activation.pointer, count: separate.count)
        columnSums(separate.pointer, rows: rows, cols: cols, separateSums.pointer)
        #expect(fused.array.map(\.bitPattern) == separate.array.map(\.bitPattern))
        #expect(fusedSums.array.map(\.bitPattern) == separateSums.array.map(\.bitPattern))
        let masked = (0..<rows * cols).map { activation[$0] > 0 ? Double(grad[$0]) : 0 }
        #expect(fused.array.map(Double.init) == masked)
        let sums = (0..<cols).map { c in (0..<rows).map { masked[$0 * cols + c] }.reduce(0, +) }
        #expect(zip(fusedSums.array, sums).allSatisfy { abs(Double($0) - $1) <= 1e-5 * max(1, abs($1)) })
    }

    @Test func normalizePixelsMatchesPortableAndFloat64() {
        // Every byte value, at lengths that leave a tail after the 16-lane blocks.
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) } + (0...255).map(UInt8.init)
        for count in [bytes.count, 17, 5] {
          for isa in CPUFeatures.runnableISAs {
            let fast = Tensor(shape: [count]), portable = Tensor(shape: [count])
            bytes.withUnsafeBufferPointer {
                normalizePixels($0.baseAddress!, fast.pointer, count: count, isa: isa)
                normalizePixelsPortable($0.baseAddress!, portable.pointer, count: count)
            }
            #expect(fast.array.map(\.bitPattern) == portable.array.map(\.bitPattern))
            #expect((0..<count).allSatisfy { abs(Double(fast[$0]) - (Double(bytes[$0]) / 127.5 - 1)) <= 1e-7 })
          }
        }
    }

    @Test func gatherPixelsConvertsTheRowsInOrder() {
        let width = 37, images = 40
        let pixels = (0..<images * width).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
        let rows: [Int32] = [39, 0, 17, 17, 3, 38, 21, 9]
        let x = Tensor(shape: [rows.count, width])
        // From a huge-page copy, as the teacher's objective gathers.
        let copy = HugePageBytes(pixels)
        #expect(copy.count == pixels.count && (0..<pixels.count).allSatisfy { copy.pointer[$0] == pixels[$0] })
        rows.withUnsafeBufferPointer { gatherPixels(copy.pointer, rows: $0, width: width, into: x.pointer) }
        for (r, image) in rows.enumerated() {
            let expected = (0..<width).map { Double(pixels[Int(image) * width + $0]) / 127.5 - 1 }
            #expect((0..<width).allSatisfy { abs(Double(x[r * width + $0]) - expected[$0]) <= 1e-7 })
        }
    }

    @Test func uniformNoiseKernelMatchesPortableAndExactValues() throws {
        let images = try DistillationImages(.init(distribution: .uniform, samples: 4, seed: 3), pixelsPerImage: 784,
                                            train: nil)
        let stream = RandomStream(seed: 3, .distillationImage, 1).child(2)
        for n in [784, 33, 18, 3] {
          for isa in CPUFeatures.runnableISAs {
            let fast = Tensor(shape: [n]), portable = Tensor(shape: [n])
            images.fillNoise(stream, fast.pointer, n, isa: isa)
            images.fillNoise(stream, portable.pointer, n, isa: .portable)
            #expect(fast.array.map(\.bitPattern) == portable.array.map(\.bitPattern))
            // Pixel p: bits of draw p / 2, high word for even p, low word for odd; (word >> 8) 2^-23 - 1.
            let expected = (0..<n).map { p -> Double in
                let bits = stream.bits(p / 2)
                let word = p % 2 == 0 ? bits >> 32 : bits & 0xFFFF_FFFF
                return Double(word >> 8) * 0x1p-23 - 1
            }
            #expect(fast.array.map(Double.init) == expected)
          }
        }
    }

    @Test(arguments: CPUFeatures.runnableISAs)
    func adamKernelMatchesPortableBitForBit(isa: VectorISA) {
        let count = 16 * 40 + 7
        let settings = AdamSettings(learningRate: 3e-4)
        let start = testValues(count, seed: 31)
        let fast = (w: Tensor(shape: [count], start), m: Tensor(shape: [count]), v: Tensor(shape: [count]))
        let portable = (w: Tensor(shape: [count], start), m: Tensor(shape: [count]), v: Tensor(shape: [count]))
        for step in 1...6 {
            // Gradients over many magnitudes, some exactly 0.
            let g = testValues(count, seed: 40 + step).enumerated().map { i, x in i % 9 == 0 ? 0 : x * Float(pow(10, Double(i % 7 - 4))) }
            g.withUnsafeBufferPointer { g in
                adamStep(fast.w.pointer, gradient: g.baseAddress!, m: fast.m.pointer, v: fast.v.pointer, count: count,
                         step: step, settings: settings, isa: isa)
                adamStep(portable.w.pointer, gradient: g.baseAddress!, m: portable.m.pointer, v: portable.v.pointer,
                         count: count, step: step, settings: settings, isa: .portable)
            }
        }
        #expect(fast.w.array.map(\.bitPattern) == portable.w.array.map(\.bitPattern))
        #expect(fast.m.array.map(\.bitPattern) == portable.m.array.map(\.bitPattern))
        #expect(fast.v.array.map(\.bitPattern) == portable.v.array.map(\.bitPattern))
        #expect(fast.w.array != start)
    }

    @Test(arguments: CPUFeatures.runnableISAs)
    func activationKernelsMatchPortableBitForBit(isa: VectorISA) {
        // 37 columns: two 16-lane blocks (four of 8) and a tail; values include exact zeros, -0 and NaN.
        let (rows, cols) = (9, 37)
        var values = testValues(rows * cols, seed: 51, scale: 2)
        values[3] = 0; values[4] = -0.0; values[5] = .nan; values[40] = -.nan
        let bias = testValues(cols, seed: 52).enumerated().map { $0.offset == 3 || $0.offset == 4 ? 0 : $0.element }
        let fast = Tensor(shape: [rows, cols], values), portable = Tensor(shape: [rows, cols], values)
        bias.withUnsafeBufferPointer {
            addBiasReLU(fast.pointer, $0.baseAddress!, rows: rows, cols: cols, isa: isa)
            addBiasReLU(portable.pointer, $0.baseAddress!, rows: rows, cols: cols, isa: .portable)
        }
        #expect(fast.array.map(\.bitPattern) == portable.array.map(\.bitPattern))

        let grad = testValues(rows * cols, seed: 53)
        let gradFast = Tensor(shape: [rows, cols], grad), gradPortable = Tensor(shape: [rows, cols], grad)
        let sumsFast = Tensor(shape: [cols]), sumsPortable = Tensor(shape: [cols])
        reluBackwardColumnSums(gradFast.pointer, activation: values, rows: rows, cols: cols, sumsFast.pointer,
                               isa: isa)
        reluBackwardColumnSums(gradPortable.pointer, activation: values, rows: rows, cols: cols, sumsPortable.pointer,
                               isa: .portable)
        #expect(gradFast.array.map(\.bitPattern) == gradPortable.array.map(\.bitPattern))
        #expect(sumsFast.array.map(\.bitPattern) == sumsPortable.array.map(\.bitPattern))
    }
}
