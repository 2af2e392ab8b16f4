// One row through a weight matrix's rows, y[j] = (accumulate ? y[j] : +0) + Σ_i w[j][i] x[i], in
// the order OpenBLAS's Haswell/Zen sgemv_t kernel sums (kernel/x86_64/sgemv_t_4.c with
// sgemv_t_microk_haswell-4.c, which its SkylakeX build also uses above 8 summed elements): the
// summed index in blocks of 4096; within a block, 4 elements into the low half of an 8-lane
// accumulator if the block's length has bit 2 set, then 8 if the rest has bit 3 set, then 16 at a
// time as two 8-lane fused multiply-adds; the lanes reduced as (l0+l4 + l1+l5) + (l2+l6 + l3+l7);
// each block's sum added to y. A decode step is this over all 540 MB of SmolLM2's weights, and
// OpenBLAS's call overhead (a work buffer, its sum written to a temporary and added back) cost a
// few percent of it. GEMVKernel.swift checks per process and length that OpenBLAS agrees before
// this replaces it. Needs n % 4 == 0 and k % 4 == 0. Compiled for AVX2 and FMA whatever the target:
// callers check the CPU first (CPUFeatures).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

/// l0+..+l7 as OpenBLAS's kernel reduces its accumulator.
__attribute__((target("avx2,fma"), always_inline))
static inline float pipe_gemv_reduce(__m256 acc) {
    __m128 v = _mm_add_ps(_mm256_extractf128_ps(acc, 1), _mm256_castps256_ps128(acc));
    v = _mm_hadd_ps(v, v);
    v = _mm_hadd_ps(v, v);
    return _mm_cvtss_f32(v);
}

/// The sums of rows r0 ..< r0 + 4 over x[0 ..< nb] (nb % 4 == 0), rows `k` apart, into t.
__attribute__((target("avx2,fma")))
static inline void pipe_gemv_block4(const float *a0, long k, const float *x, long nb, float *t) {
    const float *a1 = a0 + k, *a2 = a1 + k, *a3 = a2 + k;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    long i = 0;
    if (nb & 4) {
        __m128 xv = _mm_loadu_ps(x), zero = _mm_setzero_ps();
        s0 = _mm256_zextps128_ps256(_mm_fmadd_ps(_mm_loadu_ps(a0), xv, zero));
        s1 = _mm256_zextps128_ps256(_mm_fmadd_ps(_mm_loadu_ps(a1), xv, zero));
        s2 = _mm256_zextps128_ps256(_mm_fmadd_ps(_mm_loadu_ps(a2), xv, zero));
        s3 = _mm256_zextps128_ps256(_mm_fmadd_ps(_mm_loadu_ps(a3), xv, zero));
        i = 4;
    }
    if ((nb - i) & 8) {
        __m256 xv = _mm256_loadu_ps(x + i);
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + i), xv, s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + i), xv, s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a2 + i), xv, s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a3 + i), xv, s3);
        i += 8;
    }
    for (; i < nb; i += 16) {
        __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + i), x0, s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + i), x0, s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a2 + i), x0, s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a3 + i), x0, s3);
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + i + 8), x1, s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + i + 8), x1, s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a2 + i + 8), x1, s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a3 + i + 8), x1, s3);
    }
    t[0] = pipe_gemv_reduce(s0); t[1] = pipe_gemv_reduce(s1);
    t[2] = pipe_gemv_reduce(s2); t[3] = pipe_gemv_reduce(s3);
}

/// y (n) = (accumulate ? y : +0) + w (n, k) x, row-major w; n % 4 == 0, k % 4 == 0 (see above).
__attribute__((target("avx2,fma")))
static inline void pipe_gemv_rows_fma(const float *w, const float *x, float *y, long n, long k, int accumulate) {
    for (long j = 0; j < n; j += 4) {
        float y0 = accumulate ? y[j] : 0.0f, y1 = accumulate ? y[j + 1] : 0.0f;
        float y2 = accumulate ? y[j + 2] : 0.0f, y3 = accumulate ? y[j + 3] : 0.0f;
        for (long b = 0; b < k; b += 4096) {
            float t[4];
            pipe_gemv_block4(w + j * k + b, k, x + b, k - b < 4096 ? k - b : 4096, t);
            y0 = y0 + t[0]; y1 = y1 + t[1]; y2 = y2 + t[2]; y3 = y3 + t[3];
        }
        y[j] = y0; y[j + 1] = y1; y[j + 2] = y2; y[j + 3] = y3;
    }
}
#endif
