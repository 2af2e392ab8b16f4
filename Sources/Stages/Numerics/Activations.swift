// Elementwise layer kernels. Plain loops over raw pointers: the optimizer vectorizes them
// (checked in the release build's assembly), and they are free of copy-on-write checks. The two
// fused passes of a training step take 16 lanes at a time on AVX-512, 8 on AVX2
// (CKernels/Activations*.h, same operations, same Floats); `isa` chooses the kernel only.
#if arch(x86_64)
import CKernels
#endif

/// z (rows, cols) += bias (cols), row by row.
@inline(__always)
func addBias(_ z: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let row = z + r * cols
        for c in 0..<cols { row[c] += bias[c] }
    }
}

/// z (rows, cols) = max(z + bias, 0), row by row: addBias then relu in one pass over z.
@inline(__always)
func addBiasReLU(_ z: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int,
                 isa: VectorISA = CPUFeatures.vectorISA) {
    var first = 0
    #if arch(x86_64)
    switch isa {
    case .avx512: first = pipe_add_bias_relu_avx512(z, bias, rows, cols)
    case .avx2: first = pipe_add_bias_relu_avx2(z, bias, rows, cols)
    case .portable: break
    }
    #endif
    for r in 0..<rows {
        let row = z + r * cols
        for c in first..<cols {
            let x = row[c] + bias[c]
            row[c] = x > 0 ? x : 0
        }
    }
}

/// x (count) = max(x, 0), in place.
@inline(__always)
func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = x[i] > 0 ? x[i] : 0 }
}

/// grad (count) *= [activation > 0]: the ReLU gradient, given the ReLU's output.
@inline(__always)
func reluBackward(_ grad: UnsafeMutablePointer<Float>, activation: UnsafePointer<Float>, count: Int) {
    // A bit mask, not a select of grad: the select compiles to a branch per element, the mask
    // to compare-and (4 lanes at a time).
    for i in 0..<count {
        let keep: UInt32 = activation[i] > 0 ? ~0 : 0
        grad[i] = Float(bitPattern: grad[i].bitPattern & keep)
    }
}

/// grad (rows, cols) *= [activation > 0] as reluBackward does, and sums (cols) = the column sums
/// of the result, rows in order as columnSums adds them: one pass where there were two.
/// `clearingActivation` also sets activation (which must then be writable) to +0 as it is read: its
/// last use in a step, so that the next forward GEMM into it can add to zeros (beta 1) instead of
/// having OpenBLAS zero it in a pass of its own (the same bits: with beta 0 OpenBLAS zeroes C, then adds).
@inline(__always)
func reluBackwardColumnSums(_ grad: UnsafeMutablePointer<Float>, activation: UnsafePointer<Float>, rows: Int,
                            cols: Int, _ sums: UnsafeMutablePointer<Float>, clearingActivation: Bool = false,
                            isa: VectorISA = CPUFeatures.vectorISA) {
    let writable = UnsafeMutablePointer(mutating: activation)
    var first = 0
    #if arch(x86_64)
    let clear: Int32 = clearingActivation ? 1 : 0
    switch isa {
    case .avx512: first = pipe_relu_backward_column_sums_avx512(grad, writable, rows, cols, sums, clear)
    case .avx2: first = pipe_relu_backward_column_sums_avx2(grad, writable, rows, cols, sums, clear)
    case .portable: break
    }
    #endif
    for c in first..<cols { sums[c] = 0 }
    for r in 0..<rows {
        let g = grad + r * cols, a = writable + r * cols
        for c in first..<cols {
            let keep: UInt32 = a[c] > 0 ? ~0 : 0
            if clearingActivation { a[c] = 0 }
            let x = Float(bitPattern: g[c].bitPattern & keep)
            g[c] = x
            sums[c] += x
        }
    }
}
