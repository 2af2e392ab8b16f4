// Uniform distillation noise, 8 SplitMix64 draws at a time with AVX-512 (64-bit lane multiplies,
// which SSE2, Swift's baseline on x86-64, lacks; the scalar loop costs ~10% of a distillation
// epoch). The same integer operations and exact conversions as DistillationImages.fillNoise, so
// the same Floats: draw j = mix(key + (j + 1) * gamma); pixel 2j from its high 32 bits, pixel
// 2j + 1 from its low 32 bits, each as (word >> 8) * 2^-23 - 1.
// Compiled for AVX-512 whatever the target: callers check the CPU first (CPUFeatures.hasAVX512).
#pragma once
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>

/// Fills pixels 0 ..< 16 * (pairs / 8) of `row`; returns the number of pairs done.
__attribute__((target("avx512f,avx512dq")))
static inline long pipe_uniform_noise_avx512(uint64_t key, float *row, long pairs) {
    const uint64_t gamma = 0x9E3779B97F4A7C15ull;
    __m512i counter = _mm512_set_epi64((int64_t)(key + 8 * gamma), (int64_t)(key + 7 * gamma),
                                       (int64_t)(key + 6 * gamma), (int64_t)(key + 5 * gamma),
                                       (int64_t)(key + 4 * gamma), (int64_t)(key + 3 * gamma),
                                       (int64_t)(key + 2 * gamma), (int64_t)(key + 1 * gamma));
    const __m512i step = _mm512_set1_epi64((int64_t)(8 * gamma));
    const __m512i m1 = _mm512_set1_epi64((int64_t)0xBF58476D1CE4E5B9ull);
    const __m512i m2 = _mm512_set1_epi64((int64_t)0x94D049BB133111EBull);
    const __m512 scale = _mm512_set1_ps(0x1p-23f), one = _mm512_set1_ps(1.0f);
    long done = pairs / 8 * 8;
    for (long j = 0; j < done; j += 8) {
        __m512i z = counter;
        z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)), m1);
        z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)), m2);
        z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
        // Swap each draw's 32-bit halves: lane 2j then holds the high word, lane 2j + 1 the low.
        __m512i words = _mm512_shuffle_epi32(z, _MM_PERM_CDAB);
        __m512 k = _mm512_cvtepi32_ps(_mm512_srli_epi32(words, 8));  // < 2^24: exact
        _mm512_storeu_ps(row + 2 * j, _mm512_sub_ps(_mm512_mul_ps(k, scale), one));
        counter = _mm512_add_epi64(counter, step);
    }
    return done;
}
#endif
