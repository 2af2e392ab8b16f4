#if arch(x86_64)
import CKernels
#endif
import Foundation

/// Adam's hyperparameters (PyTorch defaults but the learning rate).
public struct AdamSettings: Sendable, Equatable {
    public var learningRate: Double
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var epsilon: Double = 1e-8
    public init(learningRate: Double) { self.learningRate = learningRate }
}

/// One Adam step `step` (1-based) with PyTorch's semantics (torch.optim.Adam, no weight decay,
/// no amsgrad) over count parameters w with gradients g and moments m, v (all (count)):
///   m = lerp(m, g, 1 - β1);  v = β2 v + (1 - β2) g²
///   w -= (lr / (1 - β1^t)) * m / (sqrt(v) / sqrt(1 - β2^t) + ε)
/// Scalars are formed in Double as PyTorch does in Python, then rounded to Float. A parameter
/// whose gradient was always 0 keeps m = v = 0 and so stays bit-identical. `isa` chooses the
/// kernel only (CKernels/AdamAVX512.h and AdamAVX2.h: the same operations, 16 or 8 lanes at a time).
/// `clearingGradient` also sets g (which must then be writable) to +0 as it is read, so that the next
/// backward pass's weight-gradient GEMMs add to zeros (beta 1) instead of OpenBLAS zeroing them first.
func adamStep(_ w: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
              m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int,
              step: Int, settings: AdamSettings, clearingGradient: Bool = false, isa: VectorISA = CPUFeatures.vectorISA) {
    let g = UnsafeMutablePointer(mutating: gradient)
    let t = Double(step)
    let stepSize = Float(settings.learningRate / (1 - pow(settings.beta1, t)))
    let correction2 = Float((1 - pow(settings.beta2, t)).squareRoot())
    let oneMinusBeta1 = Float(1 - settings.beta1)
    let beta2 = Float(settings.beta2)
    let oneMinusBeta2 = Float(1 - settings.beta2)
    let epsilon = Float(settings.epsilon)
    // Explicit 4-lane vectors: the plain loop stays scalar (sqrt is a libm call, see VectorMath).
    // Lanes and the scalar tail do the same IEEE operations, so results are the same.
    typealias V = SIMD4<Float>
    var i = 0
    #if arch(x86_64)
    let clear: Int32 = clearingGradient ? 1 : 0
    switch isa {
    case .avx512: i = pipe_adam_avx512(w, g, m, v, count, stepSize, correction2, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, clear)
    case .avx2: i = pipe_adam_avx2(w, g, m, v, count, stepSize, correction2, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, clear)
    case .portable: break
    }
    #endif
    while i + 4 <= count {
        let gi = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
        let m0 = UnsafeRawPointer(m + i).loadUnaligned(as: V.self)
        let v0 = UnsafeRawPointer(v + i).loadUnaligned(as: V.self)
        let w0 = UnsafeRawPointer(w + i).loadUnaligned(as: V.self)
        if clearingGradient { UnsafeMutableRawPointer(g + i).storeBytes(of: V.zero, as: V.self) }
        let mi = m0 + oneMinusBeta1 * (gi - m0)
        let vi = v0 * beta2 + oneMinusBeta2 * gi * gi
        UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: V.self)
        UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: V.self)
        let wi = w0 - stepSize * mi / (squareRoot(vi) / correction2 + epsilon)
        UnsafeMutableRawPointer(w + i).storeBytes(of: wi, as: V.self)
        i += 4
    }
    while i < count {
        let gi = g[i]
        if clearingGradient { g[i] = 0 }
        let mi = m[i] + oneMinusBeta1 * (gi - m[i])
        let vi = v[i] * beta2 + oneMinusBeta2 * gi * gi
        m[i] = mi
        v[i] = vi
        w[i] -= stepSize * mi / (vi.squareRoot() / correction2 + epsilon)
        i += 1
    }
}
