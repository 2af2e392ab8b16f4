/// KL(softmax(t_r) || softmax(s_r[columns])) summed over rows, for teacher logits t (rows, k) and
/// student logits s (rows, cols), k = columns.count; returns the sum (in Double) and writes
/// grad (rows, cols) = scale * (softmax(s_r[columns]) - softmax(t_r)) in `columns`, 0 elsewhere.
/// With scale = 1 / models this is PyTorch's kl_div(log_softmax(s), softmax(t), "batchmean") on
/// [models, batch, k] tensors (which divides by dim 0). `scratch` holds 2k floats.
func klDivergence(teacher t: UnsafePointer<Float>, student s: UnsafePointer<Float>, rows: Int, cols: Int,
                  columns: Range<Int>, scale: Float, grad: UnsafeMutablePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>) -> Double {
    let k = columns.count
    let p = scratch, q = scratch + k
    var loss: Double = 0
    for r in 0..<rows {
        let teacherRow = t + r * k
        let studentRow = s + r * cols + columns.lowerBound
        let g = grad + r * cols
        let teacherLSE = softmax(teacherRow, k, p)
        let studentLSE = softmax(studentRow, k, q)
        var rowLoss: Float = 0
        for i in 0..<k where p[i] > 0 {
            rowLoss += p[i] * ((teacherRow[i] - teacherLSE) - (studentRow[i] - studentLSE))
        }
        loss += Double(rowLoss)
        for c in 0..<cols { g[c] = 0 }
        for i in 0..<k { g[columns.lowerBound + i] = scale * (q[i] - p[i]) }
    }
    return loss
}
