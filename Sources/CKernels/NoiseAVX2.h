// Uniform distillation noise, 4 SplitMix64 draws at a time with AVX2, for CPUs without AVX-512
// (AMD Zen 2/3, Intel before Skylake-X): the twin of NoiseAVX512.h. AVX2 has no 64-bit lane
// multiply, so each one is built from three 32 x 32 -> 64-bit multiplies, exactly (mod 2^64); the
// same integer operations and exact conversions as DistillationImages.fillNoise, so the same Floats.
// Compiled for AVX2 whatever the target: callers check the CPU first (CPUFeatures.vectorISA).
#pragma once
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>

/// a * b mod 2^64 per 64-bit lane, given bHigh = b >> 32: lo(a) lo(b) + (hi(a) lo(b) + lo(a) hi(b)) << 32.
__attribute__((target("avx2")))
static inline __m256i pipe_mullo64_avx2(__m256i a, __m256i b, __m256i bHigh) {
    __m256i low = _mm256_mul_epu32(a, b);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), b), _mm256_mul_epu32(a, bHigh));
    return _mm256_add_epi64(low, _mm256_slli_epi64(cross, 32));
}

/// Fills pixels 0 ..< 8 * (pairs / 4) of `row`; returns the number of pairs done.
__attribute__((target("avx2")))
static inline long pipe_uniform_noise_avx2(uint64_t key, float *row, long pairs) {
    const uint64_t gamma = 0x9E3779B97F4A7C15ull;
    __m256i counter = _mm256_set_epi64x((int64_t)(key + 4 * gamma), (int64_t)(key + 3 * gamma),
                                        (int64_t)(key + 2 * gamma), (int64_t)(key + 1 * gamma));
    const __m256i step = _mm256_set1_epi64x((int64_t)(4 * gamma));
    const __m256i m1 = _mm256_set1_epi64x((int64_t)0xBF58476D1CE4E5B9ull), m1High = _mm256_srli_epi64(m1, 32);
    const __m256i m2 = _mm256_set1_epi64x((int64_t)0x94D049BB133111EBull), m2High = _mm256_srli_epi64(m2, 32);
    const __m256 scale = _mm256_set1_ps(0x1p-23f), one = _mm256_set1_ps(1.0f);
    long done = pairs / 4 * 4;
    for (long j = 0; j < done; j += 4) {
        __m256i z = counter;
        z = pipe_mullo64_avx2(_mm256_xor_si256(z, _mm256_srli_epi64(z, 30)), m1, m1High);
        z = pipe_mullo64_avx2(_mm256_xor_si256(z, _mm256_srli_epi64(z, 27)), m2, m2High);
        z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
        // Swap each draw's 32-bit halves: lane 2j then holds the high word, lane 2j + 1 the low.
        __m256i words = _mm256_shuffle_epi32(z, 0xB1);
        __m256 k = _mm256_cvtepi32_ps(_mm256_srli_epi32(words, 8));  // < 2^24: exact
        _mm256_storeu_ps(row + 2 * j, _mm256_sub_ps(_mm256_mul_ps(k, scale), one));
        counter = _mm256_add_epi64(counter, step);
    }
    return done;
}
#endif
