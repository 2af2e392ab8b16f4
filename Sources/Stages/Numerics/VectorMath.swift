#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Lane-wise IEEE square root (correctly rounded, so equal to Float.squareRoot() per lane).
///
/// Why not `x.squareRoot()`: on Linux both the scalar and the SIMD forms become calls to libm's
/// sqrtf (it may set errno), which the optimizer will not vectorize; SSE's sqrtps is the same
/// operation without the call.
@inline(__always)
func squareRoot(_ x: SIMD4<Float>) -> SIMD4<Float> {
    #if arch(x86_64)
    return _mm_sqrt_ps(x)
    #else
    return SIMD4(x[0].squareRoot(), x[1].squareRoot(), x[2].squareRoot(), x[3].squareRoot())
    #endif
}
