import Foundation
import Testing
@testable import Stages

// The last layer's kernels (NarrowLayerKernels, CKernels/NarrowLayerAVX512.h): bit for bit against
// their Swift definition, the definition against float64, and the per-shape check that decides
// whether they replace OpenBLAS against fresh operands and through a whole training step.

@Suite("Narrow last-layer kernels")
struct NarrowLayerKernelTests {
    typealias K = NarrowLayerKernels

    /// (rows, outputs, inputs): pipe's layer (13 x 256) at a full and a partial batch, summed
    /// lengths of one, two and three blocks, and widths that take each tile of the weight gradient.
    static let shapes = [(1024, 13, 256), (608, 13, 256), (37, 10, 64), (100, 13, 1000), (200, 16, 48),
                         (9, 1, 16), (1100, 15, 32), (500, 14, 96)]

    @Test(.enabled(if: K.runnable)) func forwardEqualsItsDefinition() {
        for (rows, n, k) in Self.shapes {
            for accumulate in [false, true] {
                let x = K.testOperand(rows * k, seed: 1), w = K.testOperand(n * k, seed: 2)
                let bias = K.testOperand(n, seed: 3), start = K.testOperand(rows * n, seed: 4)
                let z = Tensor(shape: [rows, n], start), scratch = Tensor(shape: [16 * k])
                x.withUnsafeBufferPointer { x in w.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
                    K.forward(x.baseAddress!, w.baseAddress!, bias: b.baseAddress!, z.pointer, scratch: scratch.pointer,
                              rows: rows, outputs: n, inputs: k, accumulate: accumulate)
                } } }
                withExtendedLifetime(scratch) {}
                let expected = (0..<rows * n).map { i -> Float in
                    let (r, j) = (i / n, i % n)
                    let sum = K.definition(start: accumulate ? start[i] : 0, count: k, { x[r * k + $0] }, { w[j * k + $0] })
                    return sum + bias[j]
                }
                #expect(z.array.map(\.bitPattern) == expected.map(\.bitPattern), "\(rows)x\(n)x\(k) accumulate \(accumulate)")
            }
        }
    }

    @Test(.enabled(if: K.runnable)) func inputGradientEqualsItsDefinition() {
        for (rows, n, k) in Self.shapes where k % 16 == 0 {
            let delta = K.testOperand(rows * n, seed: 5), w = K.testOperand(n * k, seed: 6)
            let before = K.testOperand(rows * k, seed: 7)
            let activation = Tensor(shape: [rows, k], before), grad = Tensor(shape: [rows, k]), sums = Tensor(shape: [k])
            delta.withUnsafeBufferPointer { d in w.withUnsafeBufferPointer { w in
                K.inputGradient(d.baseAddress!, w.baseAddress!, grad.pointer, activation: activation.pointer,
                                sums: sums.pointer, rows: rows, outputs: n, inputs: k, clearingActivation: true)
            } }
            var expected = [Float](repeating: 0, count: rows * k), expectedSums = [Float](repeating: 0, count: k)
            for r in 0..<rows {
                for c in 0..<k {
                    let sum = K.definition(start: 0, count: n, { delta[r * n + $0] }, { w[$0 * k + c] })
                    expected[r * k + c] = before[r * k + c] > 0 ? sum : 0
                    expectedSums[c] += expected[r * k + c]
                }
            }
            #expect(grad.array.map(\.bitPattern) == expected.map(\.bitPattern), "\(rows)x\(n)x\(k)")
            #expect(sums.array.map(\.bitPattern) == expectedSums.map(\.bitPattern), "\(rows)x\(n)x\(k)")
            #expect(activation.array.allSatisfy { $0.bitPattern == 0 }, "activation cleared")
        }
    }

    @Test(.enabled(if: K.runnable)) func weightGradientEqualsItsDefinition() {
        for (rows, n, k) in Self.shapes where k % 16 == 0 {
            for accumulate in [false, true] {
                let delta = K.testOperand(rows * n, seed: 8), x = K.testOperand(rows * k, seed: 9)
                let start = K.testOperand(n * k, seed: 10)
                let g = Tensor(shape: [n, k], start)
                delta.withUnsafeBufferPointer { d in x.withUnsafeBufferPointer { x in
                    K.weightGradient(d.baseAddress!, x.baseAddress!, g.pointer, rows: rows, outputs: n, inputs: k,
                                     accumulate: accumulate)
                } }
                let expected = (0..<n * k).map { i -> Float in
                    let (j, c) = (i / k, i % k)
                    return K.definition(start: accumulate ? start[i] : 0, count: rows, { delta[$0 * n + j] }, { x[$0 * k + c] })
                }
                #expect(g.array.map(\.bitPattern) == expected.map(\.bitPattern), "\(rows)x\(n)x\(k) accumulate \(accumulate)")
            }
        }
    }

    @Test func definitionMatchesFloat64AndCutsOpenBLASsBlocks() {
        // 1024 rows: 448, then the 576 left halved to 288 and 288; 1000: 448, 288, 264.
        var left = 1024, blocks: [Int] = []
        while left > 0 { blocks.append(K.blockLength(left: left)); left -= blocks.last! }
        #expect(blocks == [448, 288, 288])
        left = 1000; blocks = []
        while left > 0 { blocks.append(K.blockLength(left: left)); left -= blocks.last! }
        #expect(blocks == [448, 288, 264])
        for count in [13, 256, 1024, 2000] {
            let a = K.testOperand(count, seed: 11), b = K.testOperand(count, seed: 12)
            let sum = K.definition(start: 0.5, count: count, { a[$0] }, { b[$0] })
            let exact = 0.5 + (0..<count).reduce(0.0) { $0 + Double(a[$1]) * Double(b[$1]) }
            #expect(abs(Double(sum) - exact) <= 1e-6 * Double(count), "count \(count)")
        }
    }

    /// Where the check says a kernel gives OpenBLAS's bits at a shape, it does on other operands
    /// too (the order does not depend on the values); the training shapes agree on a CPU with
    /// AVX-512 and OpenBLAS 0.3.21's SkylakeX kernels, which pipe pins there.
    @Test func checkHoldsForFreshOperands() throws {
        try BLAS.ensureLoaded()
        for (rows, n, k) in Self.shapes {
            for product in [K.Product.forward, .inputGradient, .weightGradient] {
                let agrees = K.agrees(product, rows: rows, outputs: n, inputs: k, accumulate: product == .weightGradient)
                if !agrees { continue }
                let x = K.testOperand(rows * k, seed: 21), w = K.testOperand(n * k, seed: 22)
                let delta = K.testOperand(rows * n, seed: 23)
                switch product {
                case .forward:
                    let viaBLAS = Tensor(shape: [rows, n]), viaKernel = Tensor(shape: [rows, n])
                    let bias = Tensor(shape: [n], K.testOperand(n, seed: 24)), scratch = Tensor(shape: [16 * k])
                    matmulTransposedB(x, w, viaBLAS.pointer, m: rows, n: n, k: k)
                    addBias(viaBLAS.pointer, bias.pointer, rows: rows, cols: n)
                    x.withUnsafeBufferPointer { x in w.withUnsafeBufferPointer { w in
                        K.forward(x.baseAddress!, w.baseAddress!, bias: bias.pointer, viaKernel.pointer,
                                  scratch: scratch.pointer, rows: rows, outputs: n, inputs: k, accumulate: false)
                    } }
                    withExtendedLifetime(scratch) {}
                    #expect(viaBLAS.array.map(\.bitPattern) == viaKernel.array.map(\.bitPattern))
                case .inputGradient:
                    let grad = Tensor(shape: [rows, k]), grad2 = Tensor(shape: [rows, k])
                    let a = Tensor(shape: [rows, k], x), a2 = Tensor(shape: [rows, k], x)
                    let sums = Tensor(shape: [k]), sums2 = Tensor(shape: [k])
                    matmul(delta, w, grad.pointer, m: rows, n: k, k: n)
                    reluBackwardColumnSums(grad.pointer, activation: a.pointer, rows: rows, cols: k, sums.pointer)
                    delta.withUnsafeBufferPointer { d in w.withUnsafeBufferPointer { w in
                        K.inputGradient(d.baseAddress!, w.baseAddress!, grad2.pointer, activation: a2.pointer,
                                        sums: sums2.pointer, rows: rows, outputs: n, inputs: k, clearingActivation: false)
                    } }
                    #expect(grad.array.map(\.bitPattern) == grad2.array.map(\.bitPattern))
                    #expect(sums.array.map(\.bitPattern) == sums2.array.map(\.bitPattern))
                case .weightGradient:
                    let viaBLAS = Tensor(shape: [n, k]), viaKernel = Tensor(shape: [n, k])
                    matmulTransposedA(delta, x, viaBLAS.pointer, m: n, n: k, k: rows, beta: 1)
                    delta.withUnsafeBufferPointer { d in x.withUnsafeBufferPointer { x in
                        K.weightGradient(d.baseAddress!, x.baseAddress!, viaKernel.pointer, rows: rows, outputs: n,
                                         inputs: k, accumulate: true)
                    } }
                    #expect(viaBLAS.array.map(\.bitPattern) == viaKernel.array.map(\.bitPattern))
                }
            }
        }
        if K.runnable, BLAS.coreName == "SkylakeX" {
            for rows in [1024, 608] {
                #expect(K.agrees(.forward, rows: rows, outputs: 13, inputs: 256, accumulate: false))
                #expect(K.agrees(.inputGradient, rows: rows, outputs: 13, inputs: 256, accumulate: false))
                #expect(K.agrees(.weightGradient, rows: rows, outputs: 13, inputs: 256, accumulate: true))
            }
        }
    }

    /// A training step through MLPPass gives the same gradient with the kernels as through
    /// OpenBLAS alone (PIPE_KERNELS cannot change within a process, so the step is redone here
    /// with OpenBLAS's calls and compared).
    @Test func backwardStepMatchesOpenBLASPath() throws {
        try BLAS.ensureLoaded()
        let shape = MLPShape(sizes: [64, 256, 13]), rows = 1024
        let ws = Workspace(shape: shape, batch: rows)
        let w = Tensor(shape: [shape.parameterCount], K.testOperand(shape.parameterCount, seed: 31))
        ws.input.pointer.update(from: K.testOperand(rows * 64, seed: 32), count: rows * 64)
        forward(w.pointer, ws, rows: rows)
        let logits = Array(UnsafeBufferPointer(start: ws.logits, count: rows * 13))
        let hidden = ws.activations[0].array
        ws.logitsDelta.update(from: K.testOperand(rows * 13, seed: 33), count: rows * 13)
        let delta = Array(UnsafeBufferPointer(start: ws.logitsDelta, count: rows * 13))
        backward(w.pointer, ws, rows: rows)

        // The same step by hand through OpenBLAS and the unfused passes.
        let z1 = Tensor(shape: [rows, 256]), z2 = Tensor(shape: [rows, 13])
        matmulTransposedB(ws.input.pointer, w.pointer + shape.weightOffset(0), z1.pointer, m: rows, n: 256, k: 64)
        addBiasReLU(z1.pointer, w.pointer + shape.biasOffset(0), rows: rows, cols: 256)
        matmulTransposedB(z1.pointer, w.pointer + shape.weightOffset(1), z2.pointer, m: rows, n: 13, k: 256)
        addBias(z2.pointer, w.pointer + shape.biasOffset(1), rows: rows, cols: 13)
        #expect(z1.array.map(\.bitPattern) == hidden.map(\.bitPattern))
        #expect(z2.array.map(\.bitPattern) == logits.map(\.bitPattern))
        let g = Tensor(shape: [shape.parameterCount]), d = Tensor(shape: [rows, 13], delta), d1 = Tensor(shape: [rows, 256])
        columnSums(d.pointer, rows: rows, cols: 13, g.pointer + shape.biasOffset(1))
        matmulTransposedA(d.pointer, z1.pointer, g.pointer + shape.weightOffset(1), m: 13, n: 256, k: rows, beta: 1)
        matmul(d.pointer, w.pointer + shape.weightOffset(1), d1.pointer, m: rows, n: 256, k: 13)
        reluBackwardColumnSums(d1.pointer, activation: z1.pointer, rows: rows, cols: 256, g.pointer + shape.biasOffset(0))
        matmulTransposedA(d1.pointer, ws.input.pointer, g.pointer + shape.weightOffset(0), m: 256, n: 64, k: rows, beta: 1)
        #expect(ws.gradient.array.map(\.bitPattern) == g.array.map(\.bitPattern))
    }
}
