// The normalizer of a softmax over a vocabulary (NumberTrie.stats), 8 lanes with AVX2: the twin of
// the Swift loop there, which runs vectorExp (LLMKernels.swift, Cephes expf) 4 lanes at a time.
// The same IEEE operations in the same order lane for lane (compiled without FMA, so nothing is
// fused), and each half of a vector added to the 4-lane Double sums in the Swift loop's order, so
// the same Doubles.
// Compiled for AVX2 whatever the target: callers check the CPU first (CPUFeatures.vectorISA).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

/// vectorExp of 8 lanes.
__attribute__((target("avx2")))
static inline __m256 pipe_exp_avx2(__m256 x) {
    __m256 clamped = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.33f)), _mm256_set1_ps(88.72f));
    __m256 magic = _mm256_set1_ps(12582912.0f);
    __m256 t = _mm256_add_ps(_mm256_mul_ps(clamped, _mm256_set1_ps(1.44269504f)), magic);
    __m256 n = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_sub_ps(clamped, _mm256_mul_ps(n, _mm256_set1_ps(0.693359375f)));
    r = _mm256_sub_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(-2.1219444e-4f)));
    __m256 p = _mm256_set1_ps(1.98756915e-4f);
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.39819995e-3f));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(8.3334519e-3f));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(4.16657959e-2f));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.66666655e-1f));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(5.00000012e-1f));
    p = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, _mm256_mul_ps(r, r)), r), _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000));
    __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(127)), 23));
    return _mm256_mul_ps(p, scale);
}

/// For i in 0 ..< 8 * (n / 8), in steps of 4: z[lane] += (double)e^(x[i + lane] - m) and
/// masked[lane] += (double)(e^(x[i + lane] - m) * mask[i + lane]); returns how many values it did.
__attribute__((target("avx2")))
static inline long pipe_exp_sums_avx2(const float *x, const float *mask, long n, float m, double *z, double *masked) {
    long done = n / 8 * 8;
    __m256d z4 = _mm256_loadu_pd(z), masked4 = _mm256_loadu_pd(masked);
    __m256 mv = _mm256_set1_ps(m);
    for (long i = 0; i < done; i += 8) {
        __m256 e = pipe_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        __m256 em = _mm256_mul_ps(e, _mm256_loadu_ps(mask + i));
        z4 = _mm256_add_pd(z4, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        masked4 = _mm256_add_pd(masked4, _mm256_cvtps_pd(_mm256_castps256_ps128(em)));
        z4 = _mm256_add_pd(z4, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
        masked4 = _mm256_add_pd(masked4, _mm256_cvtps_pd(_mm256_extractf128_ps(em, 1)));
    }
    _mm256_storeu_pd(z, z4);
    _mm256_storeu_pd(masked, masked4);
    return done;
}
#endif
