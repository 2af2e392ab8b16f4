// Forward and backward passes of one model over a batch held in a Workspace.

/// logits (rows, outputs) of the model with parameters w (P) on ws.input (rows, inputs):
/// per layer l, a_l = a_{l-1} (rows, in) @ W_l^T (in, out) + b_l, then ReLU except on the last.
/// The last layer's product and bias go through NarrowLayerKernels where they give the same bits.
func forward(_ w: UnsafePointer<Float>, _ ws: Workspace, rows: Int) {
    let shape = ws.shape
    for l in 0..<shape.layers {
        let (fanIn, fanOut) = (shape.sizes[l], shape.sizes[l + 1])
        let input = l == 0 ? ws.input.pointer : ws.activations[l - 1].pointer
        let output = ws.activations[l].pointer
        let beta: Float = ws.dirtyRows[l] == 0 ? 1 : 0
        ws.dirtyRows[l] = max(ws.dirtyRows[l], rows)
        if l == shape.layers - 1,
           NarrowLayerKernels.agrees(.forward, rows: rows, outputs: fanOut, inputs: fanIn, accumulate: beta == 1) {
            NarrowLayerKernels.forward(input, w + shape.weightOffset(l), bias: w + shape.biasOffset(l), output,
                                       scratch: ws.narrowScratch.pointer, rows: rows, outputs: fanOut, inputs: fanIn,
                                       accumulate: beta == 1)
            continue
        }
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
/// A hidden layer's db is summed in the same pass that masks its delta. The last layer's products
/// go through NarrowLayerKernels where they give the same bits.
func backward(_ w: UnsafePointer<Float>, _ ws: Workspace, rows: Int) {
    let shape = ws.shape
    let g = ws.gradient.pointer
    let last = shape.layers - 1
    columnSums(ws.deltas[last].pointer, rows: rows, cols: shape.outputs, g + shape.biasOffset(last))
    for l in stride(from: last, through: 0, by: -1) {
        let (fanIn, fanOut) = (shape.sizes[l], shape.sizes[l + 1])
        let input = l == 0 ? ws.input.pointer : ws.activations[l - 1].pointer
        let delta = ws.deltas[l].pointer
        let narrow = l == last
        if narrow, NarrowLayerKernels.agrees(.weightGradient, rows: rows, outputs: fanOut, inputs: fanIn,
                                             accumulate: ws.gradientCleared) {
            NarrowLayerKernels.weightGradient(delta, input, g + shape.weightOffset(l), rows: rows, outputs: fanOut,
                                              inputs: fanIn, accumulate: ws.gradientCleared)
        } else {
            matmulTransposedA(delta, input, g + shape.weightOffset(l), m: fanOut, n: fanIn, k: rows,
                              beta: ws.gradientCleared ? 1 : 0)
        }
        if l > 0 {
            let previous = ws.deltas[l - 1].pointer, activation = ws.activations[l - 1].pointer
            if narrow, NarrowLayerKernels.agrees(.inputGradient, rows: rows, outputs: fanOut, inputs: fanIn,
                                                 accumulate: false) {
                NarrowLayerKernels.inputGradient(delta, w + shape.weightOffset(l), previous, activation: activation,
                                                 sums: g + shape.biasOffset(l - 1), rows: rows, outputs: fanOut,
                                                 inputs: fanIn, clearingActivation: true)
            } else {
                matmul(delta, w + shape.weightOffset(l), previous, m: rows, n: fanIn, k: fanOut)
                reluBackwardColumnSums(previous, activation: activation, rows: rows, cols: fanIn,
                                       g + shape.biasOffset(l - 1), clearingActivation: true)
            }
            if rows >= ws.dirtyRows[l - 1] { ws.dirtyRows[l - 1] = 0 }
        }
    }
    ws.gradientCleared = false
}
