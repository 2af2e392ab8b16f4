// The elementwise passes between a layer's GEMMs, 16 lanes with AVX-512 (Swift's SSE2 baseline
// does 4). Lane for lane the same IEEE operations and comparisons as addBiasReLU and
// reluBackwardColumnSums in Activations.swift, column sums added row after row, so the same Floats.
// Compiled for AVX-512 whatever the target: callers check the CPU first (CPUFeatures.hasAVX512).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

/// z (rows, cols) = x > 0 ? x : +0 with x = z + bias, for columns 0 ..< 16 * (cols / 16) of each row;
/// returns how many columns it did.
__attribute__((target("avx512f")))
static inline long pipe_add_bias_relu_avx512(float *z, const float *bias, long rows, long cols) {
    long done = cols / 16 * 16;
    const __m512 zero = _mm512_setzero_ps();
    for (long r = 0; r < rows; r++) {
        float *row = z + r * cols;
        for (long c = 0; c < done; c += 16) {
            __m512 x = _mm512_add_ps(_mm512_loadu_ps(row + c), _mm512_loadu_ps(bias + c));
            _mm512_storeu_ps(row + c, _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, zero, _CMP_GT_OQ), x));
        }
    }
    return done;
}

/// grad = activation > 0 ? grad : +0 and sums[c] = Σ_r grad[r, c] (rows in order), and with `clear`
/// activation = +0 once read (its last use: the next forward GEMM then skips zeroing it), for columns
/// 0 ..< 16 * (cols / 16); returns how many columns it did.
__attribute__((target("avx512f")))
static inline long pipe_relu_backward_column_sums_avx512(float *grad, float *activation, long rows, long cols,
                                                         float *sums, int clear) {
    long done = cols / 16 * 16;
    const __m512 zero = _mm512_setzero_ps();
    for (long c = 0; c < done; c += 16) _mm512_storeu_ps(sums + c, zero);
    for (long r = 0; r < rows; r++) {
        float *g = grad + r * cols;
        float *a = activation + r * cols;
        for (long c = 0; c < done; c += 16) {
            __mmask16 keep = _mm512_cmp_ps_mask(_mm512_loadu_ps(a + c), zero, _CMP_GT_OQ);
            if (clear) _mm512_storeu_ps(a + c, zero);
            __m512 x = _mm512_maskz_mov_ps(keep, _mm512_loadu_ps(g + c));
            _mm512_storeu_ps(g + c, x);
            _mm512_storeu_ps(sums + c, _mm512_add_ps(_mm512_loadu_ps(sums + c), x));
        }
    }
    return done;
}
#endif
