import Foundation
import Testing
@testable import Stages

/// The training step's GEMMs add to buffers their last reader cleared (beta 1) instead of having
/// OpenBLAS zero them (beta 0): the clearing variants of the fused kernels change nothing else, and a
/// reused workspace gives the same bits as a fresh one whatever ran in it before.
@Suite("Cleared training buffers")
struct ClearedBufferTests {
    @Test(arguments: CPUFeatures.runnableISAs)
    func reluBackwardClearsTheActivationAndNothingElseChanges(isa: VectorISA) {
        let (rows, cols) = (9, 37)  // two 16-lane blocks, four of 8, and a tail
        var values = testValues(rows * cols, seed: 61, scale: 2)
        values[3] = 0; values[4] = -0.0
        let grad = testValues(rows * cols, seed: 62)
        let kept = Tensor(shape: [rows, cols], values), cleared = Tensor(shape: [rows, cols], values)
        let (gradKept, gradCleared) = (Tensor(shape: [rows, cols], grad), Tensor(shape: [rows, cols], grad))
        let (sumsKept, sumsCleared) = (Tensor(shape: [cols]), Tensor(shape: [cols]))
        reluBackwardColumnSums(gradKept.pointer, activation: kept.pointer, rows: rows, cols: cols, sumsKept.pointer, isa: isa)
        reluBackwardColumnSums(gradCleared.pointer, activation: cleared.pointer, rows: rows, cols: cols, sumsCleared.pointer,
                               clearingActivation: true, isa: isa)
        #expect(gradKept.array.map(\.bitPattern) == gradCleared.array.map(\.bitPattern))
        #expect(sumsKept.array.map(\.bitPattern) == sumsCleared.array.map(\.bitPattern))
        #expect(kept.array.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(cleared.array.allSatisfy { $0.bitPattern == 0 }, "\(isa): every activation +0")
    }

    @Test(arguments: CPUFeatures.runnableISAs)
    func adamClearsTheGradientAndNothingElseChanges(isa: VectorISA) {
        let count = 16 * 40 + 7
        let settings = AdamSettings(learningRate: 3e-4)
        let start = testValues(count, seed: 71)
        let kept = (w: Tensor(shape: [count], start), m: Tensor(shape: [count]), v: Tensor(shape: [count]))
        let cleared = (w: Tensor(shape: [count], start), m: Tensor(shape: [count]), v: Tensor(shape: [count]))
        for step in 1...3 {
            let g = testValues(count, seed: 80 + step)
            let gradient = Tensor(shape: [count], g)
            g.withUnsafeBufferPointer {
                adamStep(kept.w.pointer, gradient: $0.baseAddress!, m: kept.m.pointer, v: kept.v.pointer, count: count,
                         step: step, settings: settings, isa: isa)
            }
            adamStep(cleared.w.pointer, gradient: gradient.pointer, m: cleared.m.pointer, v: cleared.v.pointer, count: count,
                     step: step, settings: settings, clearingGradient: true, isa: isa)
            #expect(gradient.array.allSatisfy { $0.bitPattern == 0 }, "\(isa), step \(step): every gradient +0")
        }
        #expect(kept.w.array.map(\.bitPattern) == cleared.w.array.map(\.bitPattern))
        #expect(kept.m.array.map(\.bitPattern) == cleared.m.array.map(\.bitPattern))
        #expect(kept.v.array.map(\.bitPattern) == cleared.v.array.map(\.bitPattern))
    }

    /// Forward and backward of `rows` rows in `ws`, as a training step runs them (Adam clearing the gradient).
    func step(_ ws: Workspace, _ w: Tensor, rows: Int, seed: Int) -> (logits: [UInt32], gradient: [UInt32]) {
        let shape = ws.shape
        ws.input.pointer.update(from: testValues(rows * shape.inputs, seed: seed), count: rows * shape.inputs)
        forward(w.pointer, ws, rows: rows)
        let logits = Array(UnsafeBufferPointer(start: ws.logits, count: rows * shape.outputs)).map(\.bitPattern)
        ws.logitsDelta.update(from: testValues(rows * shape.outputs, seed: seed + 1), count: rows * shape.outputs)
        backward(w.pointer, ws, rows: rows)
        let gradient = ws.gradient.array.map(\.bitPattern)
        let (m, v) = (Tensor(shape: [shape.parameterCount]), Tensor(shape: [shape.parameterCount]))
        let scratch = Tensor(shape: [shape.parameterCount], w.array)
        ws.adamStep(scratch.pointer, m: m.pointer, v: v.pointer, step: 1, settings: AdamSettings(learningRate: 1e-3))
        return (logits, gradient)
    }

    @Test func aReusedWorkspaceGivesTheBitsOfAFreshOne() throws {
        try BLAS.ensureLoaded()
        let state = InitMLPs.initialState(.init(models: 1, seed: 9, inputs: 20, hidden: 24, outputs: 13))
        let shape = state.shape
        let w = Tensor(shape: [shape.parameterCount])
        w.pointer.update(from: state.parameters(of: 0), count: w.count)
        let reused = Workspace(shape: shape, batch: 32)
        // Full batches, a short one, inference only (forward of more rows, nothing cleared), a short one
        // (clearing only its rows), then full again.
        for (i, rows) in [32, 32, 7, -32, 7, 32, 19].enumerated() {
            if rows < 0 {
                reused.input.pointer.update(from: testValues(-rows * shape.inputs, seed: 500), count: -rows * shape.inputs)
                forward(w.pointer, reused, rows: -rows)
                continue
            }
            let fresh = step(Workspace(shape: shape, batch: 32), w, rows: rows, seed: 100 + i)
            let again = step(reused, w, rows: rows, seed: 100 + i)
            let logits = zip(again.logits, fresh.logits).filter { $0 != $1 }.count
            let gradient = zip(again.gradient, fresh.gradient).filter { $0 != $1 }.count
            #expect(logits == 0 && gradient == 0, "step \(i) (\(rows) rows): \(logits) logits, \(gradient) gradients differ")
        }
    }
}
