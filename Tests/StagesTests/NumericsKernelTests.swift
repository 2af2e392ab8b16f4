import Foundation
import Testing
@testable import Stages

// Every kernel against a float64 reference written the obvious way.

private func close(_ a: [Float], _ b: [Double], tolerance: Double) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance * max(1, abs($1)) }
}

@Suite("Numerics kernels vs float64")
struct NumericsKernelTests {
    @Test func addBiasReluAndReluBackward() {
        let (rows, cols) = (5, 7)
        let z = Tensor(shape: [rows, cols], testValues(rows * cols, seed: 1))
        let bias = testValues(cols, seed: 2)
        let expected = (0..<rows * cols).map { Double(z[$0]) + Double(bias[$0 % cols]) }
        bias.withUnsafeBufferPointer { addBias(z.pointer, $0.baseAddress!, rows: rows, cols: cols) }
        #expect(close(z.array, expected, tolerance: 1e-6))
        relu(z.pointer, count: z.count)
        #expect(close(z.array, expected.map { max($0, 0) }, tolerance: 1e-6))
        let grad = Tensor(shape: [rows, cols], testValues(rows * cols, seed: 3))
        let gradBefore = grad.array
        reluBackward(grad.pointer, activation: z.pointer, count: grad.count)
        #expect(grad.array == (0..<grad.count).map { z[$0] > 0 ? gradBefore[$0] : 0 })
    }

    @Test func softmaxAndLogSoftmaxOverAColumnRange() {
        let (rows, cols, columns) = (4, 13, 10..<13)
        let x = Tensor(shape: [rows, cols], testValues(rows * cols, seed: 4, scale: 8))
        let out = Tensor(shape: [rows, 3]), logOut = Tensor(shape: [rows, 3])
        softmaxRows(x.pointer, rows: rows, cols: cols, columns: columns, out.pointer)
        logSoftmaxRows(x.pointer, rows: rows, cols: cols, columns: columns, logOut.pointer)
        var expected: [Double] = [], expectedLog: [Double] = []
        for r in 0..<rows {
            let v = columns.map { Double(x[r * cols + $0]) }
            let sum = v.map { Foundation.exp($0) }.reduce(0, +)
            expected += v.map { Foundation.exp($0) / sum }
            expectedLog += v.map { $0 - Foundation.log(sum) }
        }
        #expect(close(out.array, expected, tolerance: 1e-6))
        #expect(close(logOut.array, expectedLog, tolerance: 1e-6))
    }

    @Test func crossEntropyLossAndGradient() {
        let (rows, cols, classes) = (6, 13, 10)
        let z = Tensor(shape: [rows, cols], testValues(rows * cols, seed: 5, scale: 4))
        let labels: [UInt8] = [0, 3, 9, 9, 5, 1]
        let grad = Tensor(shape: [rows, cols])
        let scale: Float = 1 / 12
        let loss = labels.withUnsafeBufferPointer {
            crossEntropy(logits: z.pointer, labels: $0.baseAddress!, rows: rows, cols: cols, classes: classes,
                         scale: scale, grad: grad.pointer)
        }
        var expectedLoss = 0.0
        var expectedGrad = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            let v = (0..<classes).map { Double(z[r * cols + $0]) }
            let lse = Foundation.log(v.map { Foundation.exp($0) }.reduce(0, +))
            expectedLoss += lse - v[Int(labels[r])]
            for c in 0..<classes {
                expectedGrad[r * cols + c] = (Foundation.exp(v[c] - lse) - (c == Int(labels[r]) ? 1 : 0)) * Double(scale)
            }
        }
        #expect(abs(loss - expectedLoss) < 1e-5 * expectedLoss)
        #expect(close(grad.array, expectedGrad, tolerance: 1e-6))
    }

    @Test func klDivergenceLossAndGradient() {
        let (rows, cols, columns) = (5, 13, 10..<13)
        let k = columns.count
        let t = Tensor(shape: [rows, k], testValues(rows * k, seed: 6, scale: 3))
        let s = Tensor(shape: [rows, cols], testValues(rows * cols, seed: 7, scale: 3))
        let grad = Tensor(shape: [rows, cols]), scratch = Tensor(shape: [2 * k])
        let scale: Float = 0.25
        let loss = klDivergence(teacher: t.pointer, student: s.pointer, rows: rows, cols: cols, columns: columns,
                                scale: scale, grad: grad.pointer, scratch: scratch.pointer)
        var expectedLoss = 0.0
        var expectedGrad = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            let tv = (0..<k).map { Double(t[r * k + $0]) }, sv = columns.map { Double(s[r * cols + $0]) }
            let tl = Foundation.log(tv.map { Foundation.exp($0) }.reduce(0, +))
            let sl = Foundation.log(sv.map { Foundation.exp($0) }.reduce(0, +))
            for i in 0..<k {
                let p = Foundation.exp(tv[i] - tl), q = Foundation.exp(sv[i] - sl)
                expectedLoss += p * ((tv[i] - tl) - (sv[i] - sl))
                expectedGrad[r * cols + columns.lowerBound + i] = Double(scale) * (q - p)
            }
        }
        #expect(abs(loss - expectedLoss) < 1e-5 * max(1, expectedLoss))
        #expect(close(grad.array, expectedGrad, tolerance: 1e-6))
    }

    @Test func adamMatchesPyTorchFormulasOverSteps() {
        let count = 33
        let settings = AdamSettings(learningRate: 3e-4)
        let w = Tensor(shape: [count], testValues(count, seed: 8))
        let m = Tensor(shape: [count]), v = Tensor(shape: [count])
        var rw = w.array.map(Double.init), rm = [Double](repeating: 0, count: count), rv = rm
        for step in 1...5 {
            let g = testValues(count, seed: 100 + step, scale: 0.1).enumerated().map { $0.offset == 7 ? 0 : $0.element }
            g.withUnsafeBufferPointer {
                adamStep(w.pointer, gradient: $0.baseAddress!, m: m.pointer, v: v.pointer, count: count,
                         step: step, settings: settings)
            }
            for i in 0..<count {
                rm[i] = 0.9 * rm[i] + 0.1 * Double(g[i])
                rv[i] = 0.999 * rv[i] + 0.001 * Double(g[i]) * Double(g[i])
                let mhat = rm[i] / (1 - pow(0.9, Double(step)))
                let denom = rv[i].squareRoot() / (1 - pow(0.999, Double(step))).squareRoot() + 1e-8
                rw[i] -= 3e-4 * mhat / denom
            }
        }
        #expect(close(w.array, rw, tolerance: 1e-6))
        #expect(w[7] == testValues(count, seed: 8)[7], "a parameter with zero gradients must not move at all")
    }

    @Test func columnSumsArgmaxAndPixels() {
        let (rows, cols) = (9, 6)
        let x = Tensor(shape: [rows, cols], testValues(rows * cols, seed: 9))
        let sums = Tensor(shape: [cols])
        columnSums(x.pointer, rows: rows, cols: cols, sums.pointer)
        #expect(close(sums.array, (0..<cols).map { c in (0..<rows).map { Double(x[$0 * cols + c]) }.reduce(0, +) },
                      tolerance: 1e-6))
        let row: [Float] = [0.5, 2, -1, 2, 1.5]
        #expect(row.withUnsafeBufferPointer { argmax($0.baseAddress!, 5) } == 1, "first maximum wins ties")
        let bytes: [UInt8] = [0, 1, 127, 128, 254, 255]
        let out = Tensor(shape: [6])
        bytes.withUnsafeBufferPointer { normalizePixels($0.baseAddress!, out.pointer, count: 6) }
        #expect(out.array == bytes.map { (Float($0) / 255 - 0.5) / 0.5 }, "same Floats as ToTensor + Normalize(0.5, 0.5)")
        #expect(out[0] == -1 && out[5] == 1)
    }

    @Test func sgemmFormsAgainstNaiveFloat64() throws {
        try BLAS.ensureLoaded()
        let (m, n, k) = (37, 29, 53)
        let a = testValues(m * k, seed: 10), b = testValues(k * n, seed: 11)
        func naive(_ a: (Int, Int) -> Float, _ b: (Int, Int) -> Float) -> [Double] {
            (0..<m * n).map { index in
                (0..<k).reduce(0.0) { $0 + Double(a(index / n, $1)) * Double(b($1, index % n)) }
            }
        }
        let c = Tensor(shape: [m, n])
        // A (m,k) @ B (k,n)
        matmul(a, b, c.pointer, m: m, n: n, k: k)
        #expect(close(c.array, naive({ a[$0 * k + $1] }, { b[$0 * n + $1] }), tolerance: 1e-5))
        // A (m,k) @ B^T with B stored (n,k)
        let bt = testValues(n * k, seed: 12)
        matmulTransposedB(a, bt, c.pointer, m: m, n: n, k: k)
        #expect(close(c.array, naive({ a[$0 * k + $1] }, { bt[$1 * k + $0] }), tolerance: 1e-5))
        // A^T @ B with A stored (k,m), accumulating into C with beta = 1
        let at = testValues(k * m, seed: 13)
        let before = c.array
        matmulTransposedA(at, b, c.pointer, m: m, n: n, k: k, beta: 1)
        let expected = zip(naive({ at[$1 * m + $0] }, { b[$0 * n + $1] }), before).map { $0 + Double($1) }
        #expect(close(c.array, expected, tolerance: 1e-5))
    }
}
