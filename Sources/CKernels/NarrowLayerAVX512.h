// The three products of an MLP's last layer, whose outputs are few (pipe's models: 13), without
// OpenBLAS calls, each fused with the element-wise pass that follows it. OpenBLAS packs these
// operands for 16x4 register tiles that a 13-wide matrix mostly wastes: its forward product ran
// at 29% of the per-core peak, the weight gradient at 37%, the input gradient at 57%.
//
// The arithmetic is OpenBLAS 0.3.21's SkylakeX sgemm (kernel/x86_64/sgemm_kernel_16x4_skylakex_3.c
// under driver/level3/level3.c): the summed index cut into blocks (see pipe_narrow_blocks); within
// a block each output a chain of fused multiply-adds from +0 in index order; each block's sum added
// to the output (+0 or its old value). NarrowLayerKernels.swift checks once per process and shape
// that OpenBLAS agrees before these replace it, so results never depend on which path ran.
// Compiled for AVX-512F whatever the target: callers check the CPU first (CPUFeatures).
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

/// The length of the block of the summed index that starts where `left` elements remain: OpenBLAS's
/// rule with its GEMM_Q `q` and GEMM_UNROLL_M `unroll` (at least 2q left: q; more than q: half,
/// rounded up to a multiple of unroll; else all).
static inline long pipe_narrow_block(long left, long q, long unroll) {
    if (left >= 2 * q) return q;
    if (left > q) return (left / 2 + unroll - 1) / unroll * unroll;
    return left;
}

/// z (rows, n) = ((accumulate ? z : +0) + x (rows, k) w^T) + bias, w stored (n, k), n <= 16: the last
/// layer's forward product and its bias. `wt` is scratch of 16 k floats, 64-byte aligned.
__attribute__((target("avx512f")))
static inline void pipe_narrow_forward_avx512(const float *x, const float *w, const float *bias, float *z,
                                              float *wt, long rows, long n, long k, int accumulate,
                                              long q, long unroll) {
    const __mmask16 mask = (__mmask16)((1u << n) - 1);
    for (long t = 0; t < k; t++)  // w^T, each index's n weights in one vector, zero beyond n
        for (long j = 0; j < 16; j++) wt[t * 16 + j] = j < n ? w[j * k + t] : 0.0f;
    const __m512 zero = _mm512_setzero_ps();
    const __m512 b = _mm512_maskz_loadu_ps(mask, bias);
    long r = 0;
    for (; r + 8 <= rows; r += 8) {  // 8 rows at once: 8 independent chains hide the FMA latency
        const float *a = x + r * k;
        __m512 out[8];
        for (int i = 0; i < 8; i++) out[i] = accumulate ? _mm512_maskz_loadu_ps(mask, z + (r + i) * n) : zero;
        for (long start = 0; start < k;) {
            const long end = start + pipe_narrow_block(k - start, q, unroll);
            __m512 c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
            for (long t = start; t < end; t++) {
                const __m512 v = _mm512_load_ps(wt + t * 16);
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(a[t]), v, c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(a[k + t]), v, c1);
                c2 = _mm512_fmadd_ps(_mm512_set1_ps(a[2 * k + t]), v, c2);
                c3 = _mm512_fmadd_ps(_mm512_set1_ps(a[3 * k + t]), v, c3);
                c4 = _mm512_fmadd_ps(_mm512_set1_ps(a[4 * k + t]), v, c4);
                c5 = _mm512_fmadd_ps(_mm512_set1_ps(a[5 * k + t]), v, c5);
                c6 = _mm512_fmadd_ps(_mm512_set1_ps(a[6 * k + t]), v, c6);
                c7 = _mm512_fmadd_ps(_mm512_set1_ps(a[7 * k + t]), v, c7);
            }
            out[0] = _mm512_add_ps(c0, out[0]); out[1] = _mm512_add_ps(c1, out[1]);
            out[2] = _mm512_add_ps(c2, out[2]); out[3] = _mm512_add_ps(c3, out[3]);
            out[4] = _mm512_add_ps(c4, out[4]); out[5] = _mm512_add_ps(c5, out[5]);
            out[6] = _mm512_add_ps(c6, out[6]); out[7] = _mm512_add_ps(c7, out[7]);
            start = end;
        }
        for (int i = 0; i < 8; i++) _mm512_mask_storeu_ps(z + (r + i) * n, mask, _mm512_add_ps(out[i], b));
    }
    for (; r < rows; r++) {
        const float *a = x + r * k;
        __m512 out = accumulate ? _mm512_maskz_loadu_ps(mask, z + r * n) : zero;
        for (long start = 0; start < k;) {
            const long end = start + pipe_narrow_block(k - start, q, unroll);
            __m512 c = zero;
            for (long t = start; t < end; t++) c = _mm512_fmadd_ps(_mm512_set1_ps(a[t]), _mm512_load_ps(wt + t * 16), c);
            out = _mm512_add_ps(c, out);
            start = end;
        }
        _mm512_mask_storeu_ps(z + r * n, mask, _mm512_add_ps(out, b));
    }
}

/// The input gradient's masked rows for the columns [col, col + 16 * width), width 8 or 1 (the body
/// of pipe_narrow_backward_input_avx512). Written out vector by vector: Swift compiles headers at
/// about -O1, which keeps arrays of vectors in memory.
__attribute__((target("avx512f"), always_inline))
static inline void pipe_narrow_input_columns(const float *delta, const float *w, float *grad, float *activation,
                                             float *sums, long rows, long cols, long k, int clear, long col,
                                             const int width) {
    const __m512 zero = _mm512_setzero_ps();
    __m512 s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
    for (long r = 0; r < rows; r++) {
        __m512 c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
        const float *d = delta + r * k;
        for (long t = 0; t < k; t++) {
            const __m512 v = _mm512_set1_ps(d[t]);
            const float *row = w + t * cols + col;
            c0 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row), c0);
            if (width == 8) {
                c1 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 16), c1);
                c2 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 32), c2);
                c3 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 48), c3);
                c4 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 64), c4);
                c5 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 80), c5);
                c6 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 96), c6);
                c7 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 112), c7);
            }
        }
        float *g = grad + r * cols + col, *a = activation + r * cols + col;
#define PIPE_NARROW_MASK(i, c, s)                                                                    \
        {                                                                                            \
            const __mmask16 keep = _mm512_cmp_ps_mask(_mm512_loadu_ps(a + 16 * i), zero, _CMP_GT_OQ); \
            if (clear) _mm512_storeu_ps(a + 16 * i, zero);                                           \
            const __m512 masked = _mm512_maskz_mov_ps(keep, _mm512_add_ps(c, zero));                 \
            _mm512_storeu_ps(g + 16 * i, masked);                                                    \
            s = _mm512_add_ps(s, masked);                                                            \
        }
        PIPE_NARROW_MASK(0, c0, s0)
        if (width == 8) {
            PIPE_NARROW_MASK(1, c1, s1) PIPE_NARROW_MASK(2, c2, s2) PIPE_NARROW_MASK(3, c3, s3)
            PIPE_NARROW_MASK(4, c4, s4) PIPE_NARROW_MASK(5, c5, s5) PIPE_NARROW_MASK(6, c6, s6)
            PIPE_NARROW_MASK(7, c7, s7)
        }
#undef PIPE_NARROW_MASK
    }
    _mm512_storeu_ps(sums + col, s0);
    if (width == 8) {
        _mm512_storeu_ps(sums + col + 16, s1); _mm512_storeu_ps(sums + col + 32, s2);
        _mm512_storeu_ps(sums + col + 48, s3); _mm512_storeu_ps(sums + col + 64, s4);
        _mm512_storeu_ps(sums + col + 80, s5); _mm512_storeu_ps(sums + col + 96, s6);
        _mm512_storeu_ps(sums + col + 112, s7);
    }
}

/// grad (rows, cols) = (+0 + delta (rows, k) w (k, cols)) where activation > 0, else +0, and
/// sums (cols) = its column sums from +0 row after row; activation cleared to +0 if `clear`.
/// k <= 16 and cols % 16 == 0. The input gradient of the last layer with the ReLU backward pass
/// and the bias gradient of the layer below (pipe_relu_backward_column_sums_avx512) in one pass.
__attribute__((target("avx512f")))
static inline void pipe_narrow_backward_input_avx512(const float *delta, const float *w, float *grad,
                                                     float *activation, float *sums, long rows, long cols,
                                                     long k, int clear) {
    long col = 0;
    for (; col + 128 <= cols; col += 128)
        pipe_narrow_input_columns(delta, w, grad, activation, sums, rows, cols, k, clear, col, 8);
    for (; col + 16 <= cols; col += 16)
        pipe_narrow_input_columns(delta, w, grad, activation, sums, rows, cols, k, clear, col, 1);
}

/// The `J` rows of the weight gradient for 16 * width columns at `col` (width 2 or 1), block by
/// block; each output's two accumulators named, not in an array, for the reason above.
__attribute__((target("avx512f"), always_inline))
static inline void pipe_narrow_weight_tile(const float *delta, const float *x, float *g, long outputs,
                                           long cols, long rows, long col, const int width, long q, long unroll,
                                           const long J) {
    const __m512 zero = _mm512_setzero_ps();
    for (long start = 0; start < rows;) {
        const long end = start + pipe_narrow_block(rows - start, q, unroll);
        __m512 a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
        __m512 a8 = zero, a9 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero, a14 = zero, a15 = zero;
        __m512 b0 = zero, b1 = zero, b2 = zero, b3 = zero, b4 = zero, b5 = zero, b6 = zero, b7 = zero;
        __m512 b8 = zero, b9 = zero, b10 = zero, b11 = zero, b12 = zero, b13 = zero, b14 = zero, b15 = zero;
        for (long r = start; r < end; r++) {
            const float *d = delta + r * outputs;
            const __m512 x0 = _mm512_loadu_ps(x + r * cols + col);
            const __m512 x1 = width == 2 ? _mm512_loadu_ps(x + r * cols + col + 16) : zero;
#define PIPE_NARROW_FMA(j)                                                     \
            if (J > j) {                                                       \
                const __m512 v = _mm512_set1_ps(d[j]);                         \
                a##j = _mm512_fmadd_ps(v, x0, a##j);                           \
                if (width == 2) b##j = _mm512_fmadd_ps(v, x1, b##j);           \
            }
            PIPE_NARROW_FMA(0) PIPE_NARROW_FMA(1) PIPE_NARROW_FMA(2) PIPE_NARROW_FMA(3)
            PIPE_NARROW_FMA(4) PIPE_NARROW_FMA(5) PIPE_NARROW_FMA(6) PIPE_NARROW_FMA(7)
            PIPE_NARROW_FMA(8) PIPE_NARROW_FMA(9) PIPE_NARROW_FMA(10) PIPE_NARROW_FMA(11)
            PIPE_NARROW_FMA(12) PIPE_NARROW_FMA(13) PIPE_NARROW_FMA(14) PIPE_NARROW_FMA(15)
#undef PIPE_NARROW_FMA
        }
#define PIPE_NARROW_STORE(j)                                                                           \
        if (J > j) {                                                                                   \
            float *out = g + j * cols + col;                                                           \
            _mm512_storeu_ps(out, _mm512_add_ps(a##j, _mm512_loadu_ps(out)));                          \
            if (width == 2) _mm512_storeu_ps(out + 16, _mm512_add_ps(b##j, _mm512_loadu_ps(out + 16))); \
        }
        PIPE_NARROW_STORE(0) PIPE_NARROW_STORE(1) PIPE_NARROW_STORE(2) PIPE_NARROW_STORE(3)
        PIPE_NARROW_STORE(4) PIPE_NARROW_STORE(5) PIPE_NARROW_STORE(6) PIPE_NARROW_STORE(7)
        PIPE_NARROW_STORE(8) PIPE_NARROW_STORE(9) PIPE_NARROW_STORE(10) PIPE_NARROW_STORE(11)
        PIPE_NARROW_STORE(12) PIPE_NARROW_STORE(13) PIPE_NARROW_STORE(14) PIPE_NARROW_STORE(15)
#undef PIPE_NARROW_STORE
        start = end;
    }
}

/// One tile at `col`: 32 columns when `wide` and outputs <= 14 (two accumulators per output and
/// two loads fit in 32 registers), else 16. The switch gives the tile constant counts, so its
/// accumulators stay in registers.
__attribute__((target("avx512f"), always_inline))
static inline void pipe_narrow_weight_columns(const float *delta, const float *x, float *g, long outputs, long cols,
                                              long rows, long col, const int wide, long q, long unroll) {
    switch (outputs) {
#define PIPE_NARROW_CASE(J)                                                                                 \
    case J:                                                                                                 \
        if (wide && J <= 14) pipe_narrow_weight_tile(delta, x, g, outputs, cols, rows, col, 2, q, unroll, J); \
        else pipe_narrow_weight_tile(delta, x, g, outputs, cols, rows, col, 1, q, unroll, J);               \
        break;
    PIPE_NARROW_CASE(1) PIPE_NARROW_CASE(2) PIPE_NARROW_CASE(3) PIPE_NARROW_CASE(4)
    PIPE_NARROW_CASE(5) PIPE_NARROW_CASE(6) PIPE_NARROW_CASE(7) PIPE_NARROW_CASE(8)
    PIPE_NARROW_CASE(9) PIPE_NARROW_CASE(10) PIPE_NARROW_CASE(11) PIPE_NARROW_CASE(12)
    PIPE_NARROW_CASE(13) PIPE_NARROW_CASE(14) PIPE_NARROW_CASE(15) PIPE_NARROW_CASE(16)
#undef PIPE_NARROW_CASE
    default: break;
    }
}

/// g (outputs, cols) = (accumulate ? g : +0) + delta^T x, delta stored (rows, outputs), x (rows, cols),
/// rows summed in OpenBLAS's blocks: the last layer's weight gradient. outputs <= 16, cols % 16 == 0.
__attribute__((target("avx512f")))
static inline void pipe_narrow_weight_gradient_avx512(const float *delta, const float *x, float *g, long outputs,
                                                      long cols, long rows, int accumulate, long q, long unroll) {
    if (!accumulate)
        for (long i = 0; i < outputs * cols; i++) g[i] = 0.0f;
    const long step = outputs <= 14 ? 32 : 16;
    long col = 0;
    for (; col + step <= cols; col += step)
        pipe_narrow_weight_columns(delta, x, g, outputs, cols, rows, col, 1, q, unroll);
    for (; col + 16 <= cols; col += 16)  // a last 16 columns when 32 do not divide them
        pipe_narrow_weight_columns(delta, x, g, outputs, cols, rows, col, 0, q, unroll);
}

#endif
