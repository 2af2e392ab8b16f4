// The elementwise passes between a layer's GEMMs, 8 lanes with AVX2, for CPUs without AVX-512:
// the twin of ActivationsAVX512.h. Lane for lane the same IEEE operations and comparisons as
// addBiasReLU and reluBackwardColumnSums in Activations.swift (a false comparison ANDs the lane to
// +0), column sums added row after row, so the same Floats.
// Compiled for AVX2 whatever the target: callers check the CPU first (CPUFeatures.vectorISA).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

/// z (rows, cols) = x > 0 ? x : +0 with x = z + bias, for columns 0 ..< 8 * (cols / 8) of each row;
/// returns how many columns it did.
__attribute__((target("avx2")))
static inline long pipe_add_bias_relu_avx2(float *z, const float *bias, long rows, long cols) {
    long done = cols / 8 * 8;
    const __m256 zero = _mm256_setzero_ps();
    for (long r = 0; r < rows; r++) {
        float *row = z + r * cols;
        for (long c = 0; c < done; c += 8) {
            __m256 x = _mm256_add_ps(_mm256_loadu_ps(row + c), _mm256_loadu_ps(bias + c));
            _mm256_storeu_ps(row + c, _mm256_and_ps(_mm256_cmp_ps(x, zero, _CMP_GT_OQ), x));
        }
    }
    return done;
}

/// grad = activation > 0 ? grad : +0 and sums[c] = Σ_r grad[r, c] (rows in order), and with `clear`
/// activation = +0 once read (its last use: the next forward GEMM then skips zeroing it), for columns
/// 0 ..< 8 * (cols / 8); returns how many columns it did.
__attribute__((target("avx2")))
static inline long pipe_relu_backward_column_sums_avx2(float *grad, float *activation, long rows, long cols,
                                                       float *sums, int clear) {
    long done = cols / 8 * 8;
    const __m256 zero = _mm256_setzero_ps();
    for (long c = 0; c < done; c += 8) _mm256_storeu_ps(sums + c, zero);
    for (long r = 0; r < rows; r++) {
        float *g = grad + r * cols;
        float *a = activation + r * cols;
        for (long c = 0; c < done; c += 8) {
            __m256 keep = _mm256_cmp_ps(_mm256_loadu_ps(a + c), zero, _CMP_GT_OQ);
            if (clear) _mm256_storeu_ps(a + c, zero);
            __m256 x = _mm256_and_ps(keep, _mm256_loadu_ps(g + c));
            _mm256_storeu_ps(g + c, x);
            _mm256_storeu_ps(sums + c, _mm256_add_ps(_mm256_loadu_ps(sums + c), x));
        }
    }
    return done;
}
#endif
