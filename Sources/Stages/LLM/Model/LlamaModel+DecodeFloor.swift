extension LlamaModel {
    /// The weight products of one decode step and nothing else: one row through every layer's
    /// matrices and the output matrix, as a step runs them (`linear`, `threads` workers, the
    /// residual products with beta 1), on scratch rows. A decode step streams all the weights from
    /// memory once; this is what that streaming costs alone, the floor PrefillBenchmark compares
    /// a step with. `viaBLAS` runs every product through OpenBLAS's sgemv, never GEMVKernel.
    public func decodeWeightProducts(threads: Int, viaBLAS: Bool = false) {
        let c = config, d = c.hiddenSize, ff = c.intermediateSize, attention = c.headCount * c.headDimension
        let width = (c.headCount + 2 * c.keyValueHeadCount) * c.headDimension
        let input = Tensor(shape: [max(d, ff, attention)])
        let output = Tensor(shape: [max(c.vocabularySize, 2 * ff, width, d)])
        for layer in weights.layers {
            linear(input.pointer, layer.qkv.pointer, output.pointer, m: 1, n: width, k: d, workers: threads, rowKernel: !viaBLAS)
            linear(input.pointer, layer.attentionOutput.pointer, output.pointer, m: 1, n: d, k: attention, beta: 1,
                   workers: threads, rowKernel: !viaBLAS)
            linear(input.pointer, layer.gateUp.pointer, output.pointer, m: 1, n: 2 * ff, k: d, workers: threads, rowKernel: !viaBLAS)
            linear(input.pointer, layer.down.pointer, output.pointer, m: 1, n: d, k: ff, beta: 1, workers: threads, rowKernel: !viaBLAS)
        }
        linear(input.pointer, weights.output.pointer, output.pointer, m: 1, n: c.vocabularySize, k: d, workers: threads, rowKernel: !viaBLAS)
    }
}
