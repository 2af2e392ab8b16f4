// Pixel bytes to normalized Floats, 8 at a time with AVX2, for CPUs without AVX-512: the twin of
// PixelsAVX512.h, the same IEEE operations as normalizePixels, x = 2 * (p / 255) - 1, each
// correctly rounded, so the same Floats.
// Compiled for AVX2 whatever the target: callers check the CPU first (CPUFeatures.vectorISA).
#pragma once
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>

/// x[i] = 2 * (p[i] / 255) - 1 for i in 0 ..< count.
__attribute__((target("avx2")))
static inline void pipe_normalize_pixels_avx2(const uint8_t *p, float *x, long count) {
    const __m256 divisor = _mm256_set1_ps(255.0f), two = _mm256_set1_ps(2.0f), one = _mm256_set1_ps(1.0f);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + i))));
        _mm256_storeu_ps(x + i, _mm256_sub_ps(_mm256_mul_ps(two, _mm256_div_ps(v, divisor)), one));
    }
    for (; i < count; i++) x[i] = 2.0f * ((float)p[i] / 255.0f) - 1.0f;
}
#endif
