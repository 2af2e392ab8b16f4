// One Adam step over a parameter block, 8 lanes with AVX2, for CPUs without AVX-512: the twin of
// AdamAVX512.h. Lane for lane the same IEEE operations, in the same order, as adamStep in
// Adam.swift, so the same Floats; the target leaves out FMA, so nothing can be fused.
// Compiled for AVX2 whatever the target: callers check the CPU first (CPUFeatures.vectorISA).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

/// Updates elements 0 ..< 8 * (count / 8); returns how many it did.
__attribute__((target("avx2")))
static inline long pipe_adam_avx2(float *w, float *g, float *m, float *v, long count, float stepSize,
                                  float correction2, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                                  float epsilon, int clear) {
    const __m256 a = _mm256_set1_ps(oneMinusBeta1), b2 = _mm256_set1_ps(beta2), c2 = _mm256_set1_ps(oneMinusBeta2);
    const __m256 step = _mm256_set1_ps(stepSize), corr = _mm256_set1_ps(correction2), eps = _mm256_set1_ps(epsilon);
    long done = count / 8 * 8;
    for (long i = 0; i < done; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i), m0 = _mm256_loadu_ps(m + i), v0 = _mm256_loadu_ps(v + i);
        if (clear) _mm256_storeu_ps(g + i, _mm256_setzero_ps());  // +0: the next weight-gradient GEMM adds to it
        __m256 mi = _mm256_add_ps(m0, _mm256_mul_ps(a, _mm256_sub_ps(gi, m0)));       // m0 + a (g - m0)
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(v0, b2), _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 denominator = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), corr), eps);
        __m256 wi = _mm256_sub_ps(_mm256_loadu_ps(w + i), _mm256_div_ps(_mm256_mul_ps(step, mi), denominator));
        _mm256_storeu_ps(w + i, wi);
    }
    return done;
}
#endif
