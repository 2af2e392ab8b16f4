// One Adam step over a parameter block, 16 lanes with AVX-512. The divider limits this loop
// (two divisions and a square root per parameter), and 16 lanes keep it busier than SSE2's 4.
// Lane for lane the same IEEE operations, in the same order, as adamStep in Adam.swift, so the
// same Floats; intrinsics are separate operations, so nothing is fused into an FMA.
// Compiled for AVX-512 whatever the target: callers check the CPU first (CPUFeatures.hasAVX512).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

/// Updates elements 0 ..< 16 * (count / 16); returns how many it did.
__attribute__((target("avx512f")))
static inline long pipe_adam_avx512(float *w, float *g, float *m, float *v, long count, float stepSize,
                                    float correction2, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                                    float epsilon, int clear) {
    const __m512 a = _mm512_set1_ps(oneMinusBeta1), b2 = _mm512_set1_ps(beta2), c2 = _mm512_set1_ps(oneMinusBeta2);
    const __m512 step = _mm512_set1_ps(stepSize), corr = _mm512_set1_ps(correction2), eps = _mm512_set1_ps(epsilon);
    long done = count / 16 * 16;
    for (long i = 0; i < done; i += 16) {
        __m512 gi = _mm512_loadu_ps(g + i), m0 = _mm512_loadu_ps(m + i), v0 = _mm512_loadu_ps(v + i);
        if (clear) _mm512_storeu_ps(g + i, _mm512_setzero_ps());  // +0: the next weight-gradient GEMM adds to it
        __m512 mi = _mm512_add_ps(m0, _mm512_mul_ps(a, _mm512_sub_ps(gi, m0)));       // m0 + a (g - m0)
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(v0, b2), _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        __m512 denominator = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), corr), eps);
        __m512 wi = _mm512_sub_ps(_mm512_loadu_ps(w + i), _mm512_div_ps(_mm512_mul_ps(step, mi), denominator));
        _mm512_storeu_ps(w + i, wi);
    }
    return done;
}
#endif
