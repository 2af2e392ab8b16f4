/// One worker's buffers for a forward and backward pass over up to `batch` samples of one model.
final class Workspace: @unchecked Sendable {
    let shape: MLPShape
    let batch: Int
    /// (batch, inputs)
    let input: Tensor
    /// Per layer l: (batch, sizes[l+1]), ReLU outputs for hidden layers, logits for the last.
    let activations: [Tensor]
    /// Per layer l: (batch, sizes[l+1]), the loss gradient with respect to the layer's pre-activation.
    let deltas: [Tensor]
    /// (P) the loss gradient with respect to one model's parameters, laid out like its block.
    let gradient: Tensor
    /// (batch, outputs) teacher logits of the batch, or other per-row targets.
    let targets: Tensor
    /// (batch) labels of the batch.
    var labels: [UInt8]
    /// Small per-row scratch for loss kernels.
    let scratch: Tensor
    /// The last layer's weights transposed, 16 per input, for NarrowLayerKernels.forward.
    let narrowScratch: Tensor
    /// Per layer l: how many leading rows of activations[l] may be nonzero (0: all are +0, so the
    /// forward GEMM adds to them with beta 1 instead of OpenBLAS zeroing them first). The backward
    /// pass clears a hidden layer's activations as it last reads them.
    var dirtyRows: [Int]
    /// Whether every value of `gradient` is +0 (Adam clears it as it reads it), so the backward pass's
    /// weight-gradient GEMMs add to it with beta 1.
    var gradientCleared = true  // tensors start zero-filled

    init(shape: MLPShape, batch: Int) {
        self.shape = shape
        self.batch = batch
        input = Tensor(shape: [batch, shape.inputs])
        activations = (0..<shape.layers).map { Tensor(shape: [batch, shape.sizes[$0 + 1]]) }
        deltas = (0..<shape.layers).map { Tensor(shape: [batch, shape.sizes[$0 + 1]]) }
        gradient = Tensor(shape: [shape.parameterCount])
        targets = Tensor(shape: [batch, shape.outputs])
        labels = [UInt8](repeating: 0, count: batch)
        scratch = Tensor(shape: [2 * shape.outputs])
        narrowScratch = Tensor(shape: [16 * shape.sizes[shape.layers - 1]])
        dirtyRows = [Int](repeating: 0, count: shape.layers)  // tensors start zero-filled
    }

    /// One Adam step of the model with parameters w and moments m, v from `gradient`, which Adam clears
    /// as it reads it (so `gradientCleared` holds again).
    func adamStep(_ w: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                  step: Int, settings: AdamSettings) {
        Stages.adamStep(w, gradient: gradient.pointer, m: m, v: v, count: shape.parameterCount, step: step,
                        settings: settings, clearingGradient: true)
        gradientCleared = true
    }

    var logits: UnsafeMutablePointer<Float> { activations[shape.layers - 1].pointer }
    var logitsDelta: UnsafeMutablePointer<Float> { deltas[shape.layers - 1].pointer }
}
