import CKernels
import COpenBLAS
import Foundation
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

// Elementwise kernels of the Llama forward pass, over raw pointers. Exponentials go through a
// 4-lane polynomial (Cephes expf, within 2 ulp of libm): attention softmax and SiLU take tens of
// millions of them per prefill, and libm's scalar expf would cost more than the GEMMs.

/// Lane-wise maximum (maxps; the generic SIMD pointwiseMax goes lane by lane through memory).
@inline(__always)
func lanewiseMax(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
    #if arch(x86_64)
    return _mm_max_ps(a, b)
    #else
    return SIMD4(Swift.max(a[0], b[0]), Swift.max(a[1], b[1]), Swift.max(a[2], b[2]), Swift.max(a[3], b[3]))
    #endif
}

/// Lane-wise minimum (minps).
@inline(__always)
func lanewiseMin(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
    #if arch(x86_64)
    return _mm_min_ps(a, b)
    #else
    return SIMD4(Swift.min(a[0], b[0]), Swift.min(a[1], b[1]), Swift.min(a[2], b[2]), Swift.min(a[3], b[3]))
    #endif
}

/// e^x lane-wise (Cephes expf polynomial, within 2 ulp of libm), x clamped to [-87.3, 88.7]: below
/// that it returns about 1e-38 instead of 0, harmless in softmax and SiLU.
@inline(__always)
func vectorExp(_ x: SIMD4<Float>) -> SIMD4<Float> {
    let clamped = lanewiseMin(lanewiseMax(x, SIMD4(repeating: -87.33)), SIMD4(repeating: 88.72))
    let magic = SIMD4<Float>(repeating: 12_582_912)  // 1.5 * 2^23: adding it rounds to an integer
    let t = clamped * 1.442_695_04 + magic
    let n = t - magic
    var r = clamped - n * 0.693_359_375
    r = r - n * -2.121_944_4e-4
    var p = SIMD4<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    p = p * (r * r) + r + 1
    let bits = unsafeBitCast(t, to: SIMD4<Int32>.self) &- 0x4B40_0000  // n as an integer
    return p * unsafeBitCast((bits &+ 127) &<< 23, to: SIMD4<Float>.self)
}

/// e^x for one value, with the same polynomial as vectorExp.
@inline(__always)
func scalarExp(_ x: Float) -> Float { vectorExp(SIMD4(repeating: x))[0] }

@inline(__always)
func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self) }

@inline(__always)
func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self) }

/// y (count) = w * (x * 1/sqrt(mean(x^2) + eps)), as transformers' LlamaRMSNorm in float32.
@inline(__always)
func rmsNorm(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
             count: Int, epsilon: Float) {
    var acc = SIMD4<Float>.zero
    var i = 0
    while i + 4 <= count {
        let v = load4(x + i)
        acc += v * v
        i += 4
    }
    var sum = acc.sum()
    while i < count { sum += x[i] * x[i]; i += 1 }
    let inverse = 1 / (sum / Float(count) + epsilon).squareRoot()
    for j in 0..<count { y[j] = weight[j] * (x[j] * inverse) }
}

/// x (count) = softmax(x), in place; x must hold at least one value.
@inline(__always)
func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, isa: VectorISA = CPUFeatures.vectorISA) {
    var top4 = SIMD4<Float>(repeating: -.infinity)
    var i = 0
    while i + 4 <= count { top4 = lanewiseMax(top4, load4(x + i)); i += 4 }
    var top = top4.max()
    while i < count { top = Swift.max(top, x[i]); i += 1 }
    var acc0 = SIMD4<Float>.zero, acc1 = SIMD4<Float>.zero
    i = 0
    #if arch(x86_64)
    if isa >= .avx2 {  // the same exponentials and sums, 8 lanes at a time (CKernels/LlamaActivationsAVX2.h)
        var sums = SIMD8<Float>.zero
        i = withUnsafeMutableBytes(of: &sums) { pipe_softmax_exponentials_avx2(x, count, top, $0.baseAddress!.assumingMemoryBound(to: Float.self)) }
        acc0 = sums.lowHalf; acc1 = sums.highHalf
    }
    #endif
    while i + 8 <= count {
        let e0 = vectorExp(load4(x + i) - top), e1 = vectorExp(load4(x + i + 4) - top)
        store4(e0, x + i)
        store4(e1, x + i + 4)
        acc0 += e0
        acc1 += e1
        i += 8
    }
    var sum = (acc0 + acc1).sum()
    while i < count { let e = scalarExp(x[i] - top); x[i] = e; sum += e; i += 1 }
    let inverse = 1 / sum
    for j in 0..<count { x[j] *= inverse }
}

/// out[i] = silu(gate[i]) * up[i] = gate / (1 + e^-gate) * up, for count values.
@inline(__always)
func swiGLU(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int,
            isa: VectorISA = CPUFeatures.vectorISA) {
    var i = 0
    #if arch(x86_64)
    if isa >= .avx2 { i = pipe_swiglu_avx2(gate, up, out, count) }  // the same Floats, 8 lanes at a time
    #endif
    while i + 4 <= count {
        let g = load4(gate + i)
        store4(g / (1 + vectorExp(-g)) * load4(up + i), out + i)
        i += 4
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
