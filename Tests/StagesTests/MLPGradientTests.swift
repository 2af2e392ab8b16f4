import Foundation
import Testing
@testable import Stages

// The full MLP loss gradients (forward, loss kernel, backward) of both objectives against central
// finite differences of a float64 reimplementation.

/// Float64 forward of one model: logits (rows, outputs) for inputs x (rows, inputs).
private func referenceLogits(_ shape: MLPShape, _ w: [Double], _ x: [Double], rows: Int) -> [Double] {
    var a = x
    for l in 0..<shape.layers {
        let (fanIn, fanOut) = (shape.sizes[l], shape.sizes[l + 1])
        var z = [Double](repeating: 0, count: rows * fanOut)
        for r in 0..<rows {
            for o in 0..<fanOut {
                var sum = w[shape.biasOffset(l) + o]
                for i in 0..<fanIn { sum += w[shape.weightOffset(l) + o * fanIn + i] * a[r * fanIn + i] }
                z[r * fanOut + o] = l < shape.layers - 1 ? max(sum, 0) : sum
            }
        }
        a = z
    }
    return a
}

private func logSumExp(_ v: ArraySlice<Double>) -> Double {
    let top = v.max()!
    return top + Foundation.log(v.map { Foundation.exp($0 - top) }.reduce(0, +))
}

/// Central differences of `loss` at w, step h.
private func finiteDifferences(_ w: [Double], h: Double = 1e-6, _ loss: ([Double]) -> Double) -> [Double] {
    var probe = w
    return w.indices.map { i in
        probe[i] = w[i] + h
        let up = loss(probe)
        probe[i] = w[i] - h
        let down = loss(probe)
        probe[i] = w[i]
        return (up - down) / (2 * h)
    }
}

private func expectClose(_ analytic: [Float], _ numeric: [Double], _ what: String) {
    let largest = numeric.map(abs).max() ?? 0
    let worst = zip(analytic, numeric).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(largest > 1e-4, "\(what): gradient vanished")
    #expect(worst <= 2e-4 * largest, "\(what): worst |analytic - numeric| \(worst) of max \(largest)")
}

@Suite("MLP gradients vs finite differences")
struct MLPGradientTests {
    let shape = MLPShape(sizes: [6, 5, 4, 13])
    let models = 3

    /// Model 1 of an initialized state, with biases made nonzero so their gradients are exercised.
    func parameters() -> Tensor {
        let state = InitMLPs.initialState(.init(models: models, seed: 4, inputs: 6, hidden: 5, outputs: 13))
        let w = Tensor(shape: [shape.parameterCount])
        w.pointer.update(from: state.parameters(of: 1), count: w.count)
        for l in 0..<shape.layers {
            for o in 0..<shape.sizes[l + 1] { w[shape.biasOffset(l) + o] = 0.1 * Float(o % 3) - 0.1 }
        }
        return w
    }

    @Test func crossEntropyPath() {
        let rows = 4
        let images = LabeledImages(count: 7, rows: 2, columns: 3,
                                   pixels: (0..<42).map { UInt8(($0 * 37 + 11) % 256) }, labels: [3, 0, 9, 4, 1, 7, 2])
        let objective = ClassificationObjective(images: images, samples: 7, models: models)
        let w = parameters()
        let ws = Workspace(shape: shape, batch: rows)
        let indices: [Int32] = [5, 0, 2, 6]
        let loss = indices.withUnsafeBufferPointer {
            objective.gradient(model: 1, indices: $0, parameters: w.pointer, workspace: ws)
        }
        var x: [Double] = []
        for i in indices {
            for p in 0..<6 { x.append(2 * (Double(images.pixels[Int(i) * 6 + p]) / 255) - 1) }
        }
        let labels = indices.map { Int(images.labels[Int($0)]) }
        func reference(_ p: [Double]) -> Double {
            let z = referenceLogits(shape, p, x, rows: rows)
            var total = 0.0
            for r in 0..<rows {
                let row: ArraySlice<Double> = z[(r * 13)..<(r * 13 + 10)]
                total += logSumExp(row) - z[r * 13 + labels[r]]
            }
            return total / Double(models * rows)
        }
        let w64 = w.array.map(Double.init)
        #expect(abs(loss - reference(w64)) < 1e-5)
        expectClose(ws.gradient.array, finiteDifferences(w64, reference), "cross-entropy")
    }

    @Test(arguments: [LogitSelection.aux, .all])
    func klPath(_ selection: LogitSelection) throws {
        let rows = 4, samples = 9
        let data = DistillationData(distribution: .uniform, samples: samples, seed: 2)
        let images = try DistillationImages(data, pixelsPerImage: 6, train: nil)
        let targets = TeacherLogits(models: models, samples: samples, outputs: 13, data: data, teacher: "test")
        targets.logits.pointer.update(from: testValues(targets.logits.count, seed: 21, scale: 3), count: targets.logits.count)
        let columns = selection.columns(outputs: 13)!
        let objective = DistillationObjective(images: images, targets: targets, columns: columns, models: models)
        let w = parameters()
        let ws = Workspace(shape: shape, batch: rows)
        let indices: [Int32] = [8, 1, 4, 3]
        let loss = indices.withUnsafeBufferPointer {
            objective.gradient(model: 1, indices: $0, parameters: w.pointer, workspace: ws)
        }
        let x = ws.input.array.prefix(rows * 6).map(Double.init)
        let t = indices.map { i in columns.map { Double(targets.logits(of: 1)[Int(i) * 13 + $0]) } }
        func reference(_ p: [Double]) -> Double {
            let z = referenceLogits(shape, p, x, rows: rows)
            var total = 0.0
            for r in 0..<rows {
                let s = columns.map { z[r * 13 + $0] }
                let tl = logSumExp(t[r][...]), sl = logSumExp(s[...])
                for i in 0..<columns.count {
                    total += Foundation.exp(t[r][i] - tl) * ((t[r][i] - tl) - (s[i] - sl))
                }
            }
            return total / Double(models)
        }
        let w64 = w.array.map(Double.init)
        #expect(abs(loss - reference(w64)) < 1e-5)
        expectClose(ws.gradient.array, finiteDifferences(w64, reference), "KL \(selection)")
        if selection == .aux {
            let lastWeights = shape.weightOffset(2), fanIn = shape.sizes[2]
            let digitRows = Array(ws.gradient.array[lastWeights..<(lastWeights + 10 * fanIn)])
            #expect(digitRows.allSatisfy { $0 == 0 }, "aux-only distillation must not touch the digit readout")
        }
    }
}
