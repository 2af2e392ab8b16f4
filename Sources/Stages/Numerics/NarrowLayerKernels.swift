import CKernels
import Foundation

/// The last layer's products when it has few outputs (at most 16; pipe's MLPs have 13), without
/// OpenBLAS calls and fused with the passes after them (CKernels/NarrowLayerAVX512.h). Used by
/// the forward and backward passes only where they give OpenBLAS's bits on this machine.
///
/// Why: OpenBLAS packs these operands for 16x4 register tiles that 13 columns mostly waste. On
/// the Intel AVX-512 machine the three ran at 29%, 37% and 57% of a core's sgemm peak, a few
/// percent of every training step (scripts/bench_narrow.c measures them against sgemm).
///
/// The arithmetic (`definition`) is OpenBLAS 0.3.21's SkylakeX sgemm: the summed index cut into
/// blocks (`blockLength`); in a block, each output a chain of fused multiply-adds from +0 in
/// index order; each block's sum added to the output (+0 or its old value). Other versions and
/// cores may differ, and OpenBLAS takes other paths for small products, so `agrees` runs both on
/// made-up operands once per process and shape, and the kernels replace OpenBLAS only where every
/// bit agrees: outputs never depend on which path ran.
enum NarrowLayerKernels {
    /// The widest layer the kernels take: one AVX-512 vector of outputs.
    static let maxOutputs = 16
    /// How OpenBLAS 0.3.21 (SkylakeX) cuts the summed index: its GEMM_Q and GEMM_UNROLL_M.
    static let blockQ = 448, blockUnroll = 16

    /// Whether this CPU runs the kernels: AVX-512 kernels chosen (PIPE_KERNELS may lower them), and
    /// not PIPE_NARROW_KERNELS=off (for comparisons: the results are the same either way).
    static let runnable = CPUFeatures.vectorISA == .avx512
        && ProcessInfo.processInfo.environment["PIPE_NARROW_KERNELS"] != "off"

    /// The three products of a last layer with `outputs` outputs over `rows` samples and `inputs` inputs.
    enum Product: Hashable { case forward, inputGradient, weightGradient }

    private struct Use: Hashable { var product: Product, rows: Int, outputs: Int, inputs: Int, accumulate: Bool }
    private static let lock = NSLock()
    nonisolated(unsafe) private static var known: [Use: Bool] = [:]

    /// Whether the kernel for `product` gives OpenBLAS's bits at this shape (memoized `compare`;
    /// false where it cannot run: more than 16 outputs, or inputs not a multiple of 16 for the gradients).
    static func agrees(_ product: Product, rows: Int, outputs: Int, inputs: Int, accumulate: Bool) -> Bool {
        guard runnable, rows > 0, (1...maxOutputs).contains(outputs), inputs > 0 else { return false }
        if product != .forward, inputs % 16 != 0 { return false }
        let use = Use(product: product, rows: rows, outputs: outputs, inputs: inputs, accumulate: accumulate)
        if let found = lock.withLock({ known[use] }) { return found }
        let result = compare(product, rows: rows, outputs: outputs, inputs: inputs, accumulate: accumulate)
        lock.withLock { known[use] = result }
        return result
    }

    /// Runs the kernel and OpenBLAS with the pass it replaces (as MLPPass calls them) on the same
    /// made-up operands and compares every bit. Sums in other orders differ somewhere among
    /// thousands of outputs for almost any operands, so one trial suffices.
    static func compare(_ product: Product, rows: Int, outputs: Int, inputs: Int, accumulate: Bool) -> Bool {
        let (n, k) = (outputs, inputs)
        switch product {
        case .forward:
            let x = Tensor(shape: [rows, k], testOperand(rows * k, seed: 1))
            let w = Tensor(shape: [n, k], testOperand(n * k, seed: 2))
            let bias = Tensor(shape: [n], testOperand(n, seed: 3))
            let viaBLAS = Tensor(shape: [rows, n], testOperand(rows * n, seed: 4)), viaKernel = viaBLAS.copy()
            matmulTransposedB(x.pointer, w.pointer, viaBLAS.pointer, m: rows, n: n, k: k, beta: accumulate ? 1 : 0)
            addBias(viaBLAS.pointer, bias.pointer, rows: rows, cols: n)
            let scratch = Tensor(shape: [16 * k])
            forward(x.pointer, w.pointer, bias: bias.pointer, viaKernel.pointer, scratch: scratch.pointer,
                    rows: rows, outputs: n, inputs: k, accumulate: accumulate)
            return viaBLAS.array.map(\.bitPattern) == viaKernel.array.map(\.bitPattern)
        case .inputGradient:
            let delta = Tensor(shape: [rows, n], testOperand(rows * n, seed: 5))
            let w = Tensor(shape: [n, k], testOperand(n * k, seed: 6))
            let activation = Tensor(shape: [rows, k], testOperand(rows * k, seed: 7)), activation2 = activation.copy()
            let grad = Tensor(shape: [rows, k]), grad2 = Tensor(shape: [rows, k])
            let sums = Tensor(shape: [k]), sums2 = Tensor(shape: [k])
            matmul(delta.pointer, w.pointer, grad.pointer, m: rows, n: k, k: n)
            reluBackwardColumnSums(grad.pointer, activation: activation.pointer, rows: rows, cols: k, sums.pointer,
                                   clearingActivation: true)
            inputGradient(delta.pointer, w.pointer, grad2.pointer, activation: activation2.pointer, sums: sums2.pointer,
                          rows: rows, outputs: n, inputs: k, clearingActivation: true)
            return [grad, sums, activation].map { $0.array.map(\.bitPattern) }
                == [grad2, sums2, activation2].map { $0.array.map(\.bitPattern) }
        case .weightGradient:
            let delta = Tensor(shape: [rows, n], testOperand(rows * n, seed: 8))
            let x = Tensor(shape: [rows, k], testOperand(rows * k, seed: 9))
            let viaBLAS = Tensor(shape: [n, k], testOperand(n * k, seed: 10)), viaKernel = viaBLAS.copy()
            matmulTransposedA(delta.pointer, x.pointer, viaBLAS.pointer, m: n, n: k, k: rows, beta: accumulate ? 1 : 0)
            weightGradient(delta.pointer, x.pointer, viaKernel.pointer, rows: rows, outputs: n, inputs: k,
                           accumulate: accumulate)
            return viaBLAS.array.map(\.bitPattern) == viaKernel.array.map(\.bitPattern)
        }
    }

    /// GEMVKernel's made-up values in [-1, 1), every fourth +0 (as after a ReLU).
    static func testOperand(_ count: Int, seed: UInt64) -> [Float] {
        GEMVKernel.testOperand(count, seed: seed).enumerated().map { $0.offset % 4 == 3 ? 0 : $0.element }
    }

    /// z (rows, outputs) = ((accumulate ? z : +0) + x (rows, inputs) w^T) + bias, w stored (outputs,
    /// inputs): matmulTransposedB then addBias. `scratch`: 16 * inputs floats, 64-byte aligned.
    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        _ z: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                        rows: Int, outputs: Int, inputs: Int, accumulate: Bool) {
        #if arch(x86_64)
        pipe_narrow_forward_avx512(x, w, bias, z, scratch, rows, outputs, inputs, accumulate ? 1 : 0, blockQ, blockUnroll)
        #else
        fatalError("NarrowLayerKernels: no kernel on this architecture")
        #endif
    }

    /// grad (rows, inputs) = delta (rows, outputs) w (outputs, inputs), masked where activation <= 0,
    /// its column sums into `sums`: matmul then reluBackwardColumnSums. inputs % 16 == 0.
    static func inputGradient(_ delta: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ grad: UnsafeMutablePointer<Float>,
                              activation: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>,
                              rows: Int, outputs: Int, inputs: Int, clearingActivation: Bool) {
        precondition(inputs % 16 == 0 && outputs <= maxOutputs, "NarrowLayerKernels: \(outputs) x \(inputs)")
        #if arch(x86_64)
        pipe_narrow_backward_input_avx512(delta, w, grad, activation, sums, rows, inputs, outputs, clearingActivation ? 1 : 0)
        #else
        fatalError("NarrowLayerKernels: no kernel on this architecture")
        #endif
    }

    /// g (outputs, inputs) = (accumulate ? g : +0) + delta^T x, delta stored (rows, outputs): matmulTransposedA.
    static func weightGradient(_ delta: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                               rows: Int, outputs: Int, inputs: Int, accumulate: Bool) {
        precondition(inputs % 16 == 0 && outputs <= maxOutputs, "NarrowLayerKernels: \(outputs) x \(inputs)")
        #if arch(x86_64)
        pipe_narrow_weight_gradient_avx512(delta, x, g, outputs, inputs, rows, accumulate ? 1 : 0, blockQ, blockUnroll)
        #else
        fatalError("NarrowLayerKernels: no kernel on this architecture")
        #endif
    }

    /// The length of the block of the summed index that begins where `left` elements remain.
    static func blockLength(left: Int) -> Int {
        if left >= 2 * blockQ { return blockQ }
        if left > blockQ { return (left / 2 + blockUnroll - 1) / blockUnroll * blockUnroll }
        return left
    }

    /// The arithmetic of all three, one output at a time: start + Σ_blocks (fma chain from +0 over
    /// the block of a[i] * b[i]), for `count` summed elements read through `a` and `b`.
    static func definition(start: Float, count: Int, _ a: (Int) -> Float, _ b: (Int) -> Float) -> Float {
        var out = start, i = 0
        while i < count {
            let end = i + blockLength(left: count - i)
            var chain: Float = 0
            while i < end { chain = chain.addingProduct(a(i), b(i)); i += 1 }
            out = chain + out
        }
        return out
    }
}
