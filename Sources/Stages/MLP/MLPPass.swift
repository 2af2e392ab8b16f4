// Forward and backward passes of one model over a batch held in a Workspace.

/// logits (rows, outputs) of the model with parameters w (P) on ws.input (rows, inputs):
/// per layer l, a_l = a_{l-1} (rows, in) @ W_l^T (in, out) + b_l, then ReLU except on the last.
func forward(_ w: UnsafePointer<Float>, _ ws: Workspace, rows: Int) {
    let shape = ws.shape
    for l in 0..<shape.layers {
        let (fanIn, fanOut) = (shape.sizes[l], shape.sizes[l + 1])
        let input = l == 0 ? ws.input.pointer : ws.activations[l - 1].pointer
        let output = ws.activations[l].pointer
        let beta: Float = ws.dirtyRows[l] == 0 ? 1 : 0
        ws.dirtyRows[l] = max(ws.dirtyRows[l], rows)
        matmulTransposedB(input, w + shape.weightOffset(l), output, m: rows, n: fanOut, k: fanIn, beta: beta)
        if l < shape.layers - 1 {
            addBiasReLU(output, w + shape.biasOffset(l), rows: rows, cols: fanOut)
        } else {
            addBias(output, w + shape.biasOffset(l), rows: rows, cols: fanOut)
        }
    }
}

/// ws.gradient (P) = dLoss/dParameters, given ws.logitsDelta (rows, outputs) = dLoss/dLogits and the
/// activations of the forward pass. Per layer l, from the last:
///   dW_l = delta_l^T (out, rows) @ a_{l-1} (rows, in);  db_l = Σ_rows delta_l
///   delta_{l-1} = (delta_l (rows, out) @ W_l (out, in)) * [a_{l-1} > 0]   (not for l = 0)
/// A hidden layer's db is summed in the same pass that masks its delta.
func backward(_ w: UnsafePointer<Float>, _ ws: Workspace, rows: Int) {
    let shape = ws.shape
    let g = ws.gradient.pointer
    let last = shape.layers - 1
    columnSums(ws.deltas[last].pointer, rows: rows, cols: shape.outputs, g + shape.biasOffset(last))
    for l in stride(from: last, through: 0, by: -1) {
        let (fanIn, fanOut) = (shape.sizes[l], shape.sizes[l + 1])
        let input = l == 0 ? ws.input.pointer : ws.activations[l - 1].pointer
        let delta = ws.deltas[l].pointer
        matmulTransposedA(delta, input, g + shape.weightOffset(l), m: fanOut, n: fanIn, k: rows,
                          beta: ws.gradientCleared ? 1 : 0)
        if l > 0 {
            let previous = ws.deltas[l - 1].pointer
            matmul(delta, w + shape.weightOffset(l), previous, m: rows, n: fanIn, k: fanOut)
            reluBackwardColumnSums(previous, activation: ws.activations[l - 1].pointer, rows: rows, cols: fanIn,
                                   g + shape.biasOffset(l - 1), clearingActivation: true)
            if rows >= ws.dirtyRows[l - 1] { ws.dirtyRows[l - 1] = 0 }
        }
    }
    ws.gradientCleared = false
}
