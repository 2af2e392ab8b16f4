// The two small products of one position's attention (PrefixForks: a trie node's queries against
// the prompt and its own few keys), without a BLAS call each: a trie of 1000 nodes makes 180,000 of
// them, and OpenBLAS's per-call work (argument checks, kernel choice, packing) was most of their time.
// Every output is one fused multiply-add after another, in the order of the summed index, from +0,
// then (scores) one multiplication by the scale: what OpenBLAS's small-matrix NN kernel and its
// Haswell/Zen kernels compute for these shapes. Lanes hold different outputs, never parts of one sum.
// AttentionKernels.swift defines the same arithmetic in Swift and checks, per process and shape,
// that OpenBLAS agrees before these replace it.
// Compiled for AVX2 and FMA whatever the target: callers check the CPU first (CPUFeatures).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

// Swift compiles these headers at a low optimization level that neither unrolls loops nor keeps
// arrays of vectors in registers, so each block below names its accumulators.

/// Lanes 0 ..< n of 8 (n >= 8: all).
__attribute__((target("avx2,fma"), always_inline))
static inline __m256i pipe_attention_lanes(long n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n < 8 ? (int)n : 8), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// Scores of 3 queries against positions p ..< p + 24: nine independent chains, enough to cover the
/// FMA latency.
__attribute__((target("avx2,fma")))
static inline void pipe_attention_scores_3x24(const float *q, long hd, const float *keysT, long stride, long p,
                                              __m256 scale, float *out, long visible) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, b0 = a0, b1 = a0, b2 = a0, c0 = a0, c1 = a0, c2 = a0;
    for (long k = 0; k < hd; k++) {
        const float *row = keysT + k * stride + p;
        __m256 k0 = _mm256_loadu_ps(row), k1 = _mm256_loadu_ps(row + 8), k2 = _mm256_loadu_ps(row + 16);
        __m256 qa = _mm256_set1_ps(q[k]), qb = _mm256_set1_ps(q[hd + k]), qc = _mm256_set1_ps(q[2 * hd + k]);
        a0 = _mm256_fmadd_ps(qa, k0, a0); a1 = _mm256_fmadd_ps(qa, k1, a1); a2 = _mm256_fmadd_ps(qa, k2, a2);
        b0 = _mm256_fmadd_ps(qb, k0, b0); b1 = _mm256_fmadd_ps(qb, k1, b1); b2 = _mm256_fmadd_ps(qb, k2, b2);
        c0 = _mm256_fmadd_ps(qc, k0, c0); c1 = _mm256_fmadd_ps(qc, k1, c1); c2 = _mm256_fmadd_ps(qc, k2, c2);
    }
    float *o = out + p;
    _mm256_storeu_ps(o, _mm256_mul_ps(a0, scale)); _mm256_storeu_ps(o + 8, _mm256_mul_ps(a1, scale));
    _mm256_storeu_ps(o + 16, _mm256_mul_ps(a2, scale));
    o += visible;
    _mm256_storeu_ps(o, _mm256_mul_ps(b0, scale)); _mm256_storeu_ps(o + 8, _mm256_mul_ps(b1, scale));
    _mm256_storeu_ps(o + 16, _mm256_mul_ps(b2, scale));
    o += visible;
    _mm256_storeu_ps(o, _mm256_mul_ps(c0, scale)); _mm256_storeu_ps(o + 8, _mm256_mul_ps(c1, scale));
    _mm256_storeu_ps(o + 16, _mm256_mul_ps(c2, scale));
}

/// Scores of 3 queries against the positions of `lanes` from p (up to 8).
__attribute__((target("avx2,fma")))
static inline void pipe_attention_scores_3x8(const float *q, long hd, const float *keysT, long stride, long p,
                                             __m256i lanes, __m256 scale, float *out, long visible) {
    __m256 a = _mm256_setzero_ps(), b = a, c = a;
    for (long k = 0; k < hd; k++) {
        __m256 key = _mm256_maskload_ps(keysT + k * stride + p, lanes);
        a = _mm256_fmadd_ps(_mm256_set1_ps(q[k]), key, a);
        b = _mm256_fmadd_ps(_mm256_set1_ps(q[hd + k]), key, b);
        c = _mm256_fmadd_ps(_mm256_set1_ps(q[2 * hd + k]), key, c);
    }
    _mm256_maskstore_ps(out + p, lanes, _mm256_mul_ps(a, scale));
    _mm256_maskstore_ps(out + visible + p, lanes, _mm256_mul_ps(b, scale));
    _mm256_maskstore_ps(out + 2 * visible + p, lanes, _mm256_mul_ps(c, scale));
}

/// Scores of 1 query against positions p ..< p + 24.
__attribute__((target("avx2,fma")))
static inline void pipe_attention_scores_1x24(const float *q, long hd, const float *keysT, long stride, long p,
                                              __m256 scale, float *out) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0;
    for (long k = 0; k < hd; k++) {
        const float *row = keysT + k * stride + p;
        __m256 qa = _mm256_set1_ps(q[k]);
        a0 = _mm256_fmadd_ps(qa, _mm256_loadu_ps(row), a0);
        a1 = _mm256_fmadd_ps(qa, _mm256_loadu_ps(row + 8), a1);
        a2 = _mm256_fmadd_ps(qa, _mm256_loadu_ps(row + 16), a2);
    }
    _mm256_storeu_ps(out + p, _mm256_mul_ps(a0, scale)); _mm256_storeu_ps(out + p + 8, _mm256_mul_ps(a1, scale));
    _mm256_storeu_ps(out + p + 16, _mm256_mul_ps(a2, scale));
}

/// Scores of 1 query against the positions of `lanes` from p (up to 8).
__attribute__((target("avx2,fma")))
static inline void pipe_attention_scores_1x8(const float *q, long hd, const float *keysT, long stride, long p,
                                             __m256i lanes, __m256 scale, float *out) {
    __m256 a = _mm256_setzero_ps();
    for (long k = 0; k < hd; k++) a = _mm256_fmadd_ps(_mm256_set1_ps(q[k]), _mm256_maskload_ps(keysT + k * stride + p, lanes), a);
    _mm256_maskstore_ps(out + p, lanes, _mm256_mul_ps(a, scale));
}

/// scores (queries, visible), row-major: scores[j][p] = scale * Σ_k q[j][k] keysT[k][p], k = 0 ..< hd in
/// order, fused. q is (queries, hd) row-major; keysT holds the keys transposed, (hd, stride), stride >= visible.
__attribute__((target("avx2,fma")))
static inline void pipe_attention_scores_fma(const float *q, long queries, const float *keysT, long stride,
                                             long visible, long hd, float scale, float *scores) {
    __m256 s = _mm256_set1_ps(scale);
    long j = 0;
    for (; j + 3 <= queries; j += 3) {
        long p = 0;
        for (; p + 24 <= visible; p += 24) pipe_attention_scores_3x24(q + j * hd, hd, keysT, stride, p, s, scores + j * visible, visible);
        for (; p < visible; p += 8)
            pipe_attention_scores_3x8(q + j * hd, hd, keysT, stride, p, pipe_attention_lanes(visible - p), s, scores + j * visible, visible);
    }
    for (; j < queries; j++) {
        long p = 0;
        for (; p + 24 <= visible; p += 24) pipe_attention_scores_1x24(q + j * hd, hd, keysT, stride, p, s, scores + j * visible);
        for (; p < visible; p += 8)
            pipe_attention_scores_1x8(q + j * hd, hd, keysT, stride, p, pipe_attention_lanes(visible - p), s, scores + j * visible);
    }
}

/// out (queries, hd), row-major: out[j][d] = Σ_p weights[j][p] values[p][d], p = 0 ..< visible in order,
/// fused. weights is (queries, visible), values (visible, hd), both row-major; hd a multiple of 8.
__attribute__((target("avx2,fma")))
static inline void pipe_attention_weighted_sum_fma(const float *weights, long queries, const float *values,
                                                   long visible, long hd, float *out) {
    for (long j = 0; j < queries; j++) {
        const float *w = weights + j * visible;
        float *o = out + j * hd;
        long d = 0;
        // 64 of the head's dimensions at once: eight independent chains.
        for (; d + 64 <= hd; d += 64) {
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (long p = 0; p < visible; p++) {
                const float *v = values + p * hd + d;
                __m256 wp = _mm256_set1_ps(w[p]);
                a0 = _mm256_fmadd_ps(wp, _mm256_loadu_ps(v), a0);
                a1 = _mm256_fmadd_ps(wp, _mm256_loadu_ps(v + 8), a1);
                a2 = _mm256_fmadd_ps(wp, _mm256_loadu_ps(v + 16), a2);
                a3 = _mm256_fmadd_ps(wp, _mm256_loadu_ps(v + 24), a3);
                a4 = _mm256_fmadd_ps(wp, _mm256_loadu_ps(v + 32), a4);
                a5 = _mm256_fmadd_ps(wp, _mm256_loadu_ps(v + 40), a5);
                a6 = _mm256_fmadd_ps(wp, _mm256_loadu_ps(v + 48), a6);
                a7 = _mm256_fmadd_ps(wp, _mm256_loadu_ps(v + 56), a7);
            }
            _mm256_storeu_ps(o + d, a0); _mm256_storeu_ps(o + d + 8, a1);
            _mm256_storeu_ps(o + d + 16, a2); _mm256_storeu_ps(o + d + 24, a3);
            _mm256_storeu_ps(o + d + 32, a4); _mm256_storeu_ps(o + d + 40, a5);
            _mm256_storeu_ps(o + d + 48, a6); _mm256_storeu_ps(o + d + 56, a7);
        }
        for (; d + 8 <= hd; d += 8) {
            __m256 a = _mm256_setzero_ps();
            for (long p = 0; p < visible; p++) a = _mm256_fmadd_ps(_mm256_set1_ps(w[p]), _mm256_loadu_ps(values + p * hd + d), a);
            _mm256_storeu_ps(o + d, a);
        }
    }
}
#endif
