// Pixel bytes to normalized Floats, 16 at a time with AVX-512 (Swift's SSE2 baseline does 4, and
// the division dominates). The same IEEE operations as normalizePixels, x = 2 * (p / 255) - 1,
// each correctly rounded, so the same Floats.
// Compiled for AVX-512 whatever the target: callers check the CPU first (CPUFeatures.hasAVX512).
#pragma once
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>

/// x[i] = 2 * (p[i] / 255) - 1 for i in 0 ..< count.
__attribute__((target("avx512f")))
static inline void pipe_normalize_pixels_avx512(const uint8_t *p, float *x, long count) {
    const __m512 divisor = _mm512_set1_ps(255.0f), two = _mm512_set1_ps(2.0f), one = _mm512_set1_ps(1.0f);
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p + i))));
        // 2 * q is exact, so a fused multiply-subtract could not change the result either.
        _mm512_storeu_ps(x + i, _mm512_sub_ps(_mm512_mul_ps(two, _mm512_div_ps(v, divisor)), one));
    }
    for (; i < count; i++) x[i] = 2.0f * ((float)p[i] / 255.0f) - 1.0f;
}
#endif
