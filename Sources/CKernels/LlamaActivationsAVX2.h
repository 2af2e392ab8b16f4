// The Llama forward pass's element-wise passes that take exponentials, 8 lanes with AVX2: the twins
// of swiGLU and softmaxInPlace in LLMKernels.swift, which run vectorExp 4 lanes at a time. The same
// IEEE operations in the same order lane for lane (compiled without FMA, so nothing is fused; the
// exponential is ExpSumAVX2.h's, the same as vectorExp), so the same Floats. A trie of 1000 nodes
// runs 46 million SwiGLU values and 17 million attention exponentials through these.
// Compiled for AVX2 whatever the target: callers check the CPU first (CPUFeatures.vectorISA).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>
#include "ExpSumAVX2.h"

/// out[i] = gate[i] / (1 + e^-gate[i]) * up[i] for i in 0 ..< 8 * (count / 8); returns how many it did.
__attribute__((target("avx2")))
static inline long pipe_swiglu_avx2(const float *gate, const float *up, float *out, long count) {
    long done = count / 8 * 8;
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    for (long i = 0; i < done; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 e = pipe_exp_avx2(_mm256_xor_ps(g, sign));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + i)));
    }
    return done;
}

/// For i in 0 ..< 8 * (count / 8): x[i] = e^(x[i] - top), and sums[lane] += x[i] for lane = i % 8,
/// in order of i (sums[0...3] is softmaxInPlace's acc0, sums[4...7] its acc1); returns how many it did.
__attribute__((target("avx2")))
static inline long pipe_softmax_exponentials_avx2(float *x, long count, float top, float *sums) {
    long done = count / 8 * 8;
    __m256 acc = _mm256_loadu_ps(sums), t = _mm256_set1_ps(top);
    for (long i = 0; i < done; i += 8) {
        __m256 e = pipe_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), t));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    _mm256_storeu_ps(sums, acc);
    return done;
}
#endif
