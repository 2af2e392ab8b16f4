import COpenBLAS
import Foundation

// Elementwise kernels of the Llama forward pass, over raw pointers. Exponentials go through a
// 16-lane polynomial (Cephes expf, within 2 ulp of libm): attention softmax and SiLU take tens of
// millions of them per prefill, and libm's scalar expf would cost more than the GEMMs.

/// e^x lane-wise (Cephes polynomial; 0 below -87.3, clamped at 88.7).
@inline(__always)
func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let clamped = x.clamped(lowerBound: SIMD16(repeating: -87.33), upperBound: SIMD16(repeating: 88.72))
    let magic = SIMD16<Float>(repeating: 12_582_912)  // 1.5 * 2^23: adding it rounds to an integer
    let t = clamped * 1.442_695_04 + magic
    let n = t - magic
    var r = clamped - n * 0.693_359_375
    r = r - n * -2.121_944_4e-4
    var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    p = p * (r * r) + r + 1
    let bits = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000  // n as an integer
    let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD16<Float>.self)
    let result = p * scale
    return result.replacing(with: 0, where: x .< -87.33)
}

/// e^x for one value, with the same polynomial as vectorExp.
@inline(__always)
func scalarExp(_ x: Float) -> Float { vectorExp(SIMD16(repeating: x))[0] }

/// y (count) = w * (x * 1/sqrt(mean(x^2) + eps)), as transformers' LlamaRMSNorm in float32.
@inline(__always)
func rmsNorm(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
             count: Int, epsilon: Float) {
    var acc = SIMD16<Float>.zero
    var i = 0
    while i + 16 <= count {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
        acc += v * v
        i += 16
    }
    var sum = acc.sum()
    while i < count { sum += x[i] * x[i]; i += 1 }
    let inverse = 1 / (sum / Float(count) + epsilon).squareRoot()
    for j in 0..<count { y[j] = weight[j] * (x[j] * inverse) }
}

/// x (count) = softmax(x), in place; x must hold at least one value.
@inline(__always)
func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var top = -Float.infinity
    for i in 0..<count where x[i] > top { top = x[i] }
    var acc = SIMD16<Float>.zero
    var i = 0
    let raw = UnsafeMutableRawPointer(x)
    while i + 16 <= count {
        let e = vectorExp(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - top)
        raw.storeBytes(of: e, toByteOffset: i * 4, as: SIMD16<Float>.self)
        acc += e
        i += 16
    }
    var sum = acc.sum()
    while i < count { let e = scalarExp(x[i] - top); x[i] = e; sum += e; i += 1 }
    let inverse = 1 / sum
    for j in 0..<count { x[j] *= inverse }
}

/// out[i] = silu(gate[i]) * up[i] = gate / (1 + e^-gate) * up, for count values.
@inline(__always)
func swiGLU(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 16 <= count {
        let g = UnsafeRawPointer(gate + i).loadUnaligned(as: SIMD16<Float>.self)
        let u = UnsafeRawPointer(up + i).loadUnaligned(as: SIMD16<Float>.self)
        let s = g / (1 + vectorExp(-g))
        UnsafeMutableRawPointer(out + i).storeBytes(of: s * u, as: SIMD16<Float>.self)
        i += 16
    }
    while i < count { out[i] = gate[i] / (1 + scalarExp(-gate[i])) * up[i]; i += 1 }
}

/// Rotates one head (headDimension values) in place, transformers' rotate_half convention: value i
/// pairs with value i + headDimension/2; cos and sin hold headDimension/2 values for the position.
@inline(__always)
func applyRotary(_ x: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, half: Int) {
    for i in 0..<half {
        let a = x[i], b = x[i + half]
        x[i] = a * cos[i] - b * sin[i]
        x[i + half] = b * cos[i] + a * sin[i]
    }
}

/// Row-major sgemm with explicit leading dimensions (lda, ldb, ldc) for strided operands.
@inline(__always)
func sgemmStrided(transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                  _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    BLAS.library.sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                       blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                       beta, c, blasint(ldc))
}
