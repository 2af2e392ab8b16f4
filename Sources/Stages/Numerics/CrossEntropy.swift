/// Cross-entropy of logits z (rows, cols) over classes 0..<classes against labels (rows):
/// returns Σ_r (logsumexp(z[r, 0..<classes]) - z[r, label_r]) (in Double) and writes
/// grad (rows, cols) = scale * (softmax(z[r, 0..<classes]) - onehot(label_r)), 0 in other columns.
/// With scale = 1 / (models * batch) this is the gradient of PyTorch's mean CrossEntropyLoss over
/// stacked [models * batch] logits.
func crossEntropy(logits z: UnsafePointer<Float>, labels: UnsafePointer<UInt8>, rows: Int, cols: Int,
                  classes: Int, scale: Float, grad: UnsafeMutablePointer<Float>) -> Double {
    var loss: Double = 0
    for r in 0..<rows {
        let row = z + r * cols
        let g = grad + r * cols
        let label = Int(labels[r])
        let lse = softmax(row, classes, g)
        loss += Double(lse - row[label])
        for c in 0..<classes { g[c] *= scale }
        g[label] -= scale
        for c in classes..<cols { g[c] = 0 }
    }
    return loss
}
