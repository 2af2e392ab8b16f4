import Foundation

// Softmax over a short contiguous segment (one row's logits in a column range). Max-subtracted,
// in Float like PyTorch; log-sum-exp comes back so callers can form log-softmax without a log per
// element.

/// out (k) = softmax(x (k)); returns log Σ exp(x), the log-sum-exp.
@inline(__always)
@discardableResult
func softmax(_ x: UnsafePointer<Float>, _ k: Int, _ out: UnsafeMutablePointer<Float>) -> Float {
    var top = x[0]
    for i in 1..<k where x[i] > top { top = x[i] }
    var sum: Float = 0
    for i in 0..<k {
        let e = Foundation.exp(x[i] - top)
        out[i] = e
        sum += e
    }
    let inverse = 1 / sum
    for i in 0..<k { out[i] *= inverse }
    return top + Foundation.log(sum)
}

/// out (k) = log softmax(x (k)) = x - logsumexp(x).
@inline(__always)
func logSoftmax(_ x: UnsafePointer<Float>, _ k: Int, _ out: UnsafeMutablePointer<Float>) {
    var top = x[0]
    for i in 1..<k where x[i] > top { top = x[i] }
    var sum: Float = 0
    for i in 0..<k { sum += Foundation.exp(x[i] - top) }
    let lse = top + Foundation.log(sum)
    for i in 0..<k { out[i] = x[i] - lse }
}

/// out (rows, k) = softmax of x[r, columns] for each row r of x (rows, cols); k = columns.count.
func softmaxRows(_ x: UnsafePointer<Float>, rows: Int, cols: Int, columns: Range<Int>,
                 _ out: UnsafeMutablePointer<Float>) {
    let k = columns.count
    for r in 0..<rows { softmax(x + r * cols + columns.lowerBound, k, out + r * k) }
}

/// out (rows, k) = log softmax of x[r, columns] for each row r of x (rows, cols).
func logSoftmaxRows(_ x: UnsafePointer<Float>, rows: Int, cols: Int, columns: Range<Int>,
                    _ out: UnsafeMutablePointer<Float>) {
    let k = columns.count
    for r in 0..<rows { logSoftmax(x + r * cols + columns.lowerBound, k, out + r * k) }
}
