/// sums (cols) = Σ_r x[r, c] for x (rows, cols), rows in order (the bias gradient of a layer).
@inline(__always)
func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, _ sums: UnsafeMutablePointer<Float>) {
    for c in 0..<cols { sums[c] = 0 }
    for r in 0..<rows {
        let row = x + r * cols
        for c in 0..<cols { sums[c] += row[c] }
    }
}

/// The index in 0..<k of the largest x[i] (the first one on ties, like torch.argmax on CPU).
@inline(__always)
func argmax(_ x: UnsafePointer<Float>, _ k: Int) -> Int {
    var best = 0
    for i in 1..<k where x[i] > x[best] { best = i }
    return best
}
