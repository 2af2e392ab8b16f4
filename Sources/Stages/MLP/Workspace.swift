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
    }

    var logits: UnsafeMutablePointer<Float> { activations[shape.layers - 1].pointer }
    var logitsDelta: UnsafeMutablePointer<Float> { deltas[shape.layers - 1].pointer }
}
