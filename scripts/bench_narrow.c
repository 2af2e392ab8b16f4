// The last layer's three products on a training step's shapes (1024 rows, 256 inputs, 13 outputs),
// OpenBLAS sgemm plus the pass each is fused with, against CKernels/NarrowLayerAVX512.h: first bit
// for bit (at the full and the partial batch of an MNIST epoch, 1024 and 608 rows), then
// microseconds per call, the best of 400 calls per variant in each of 5 rounds, variants alternated.
// Prints the OpenBLAS core, since the agreement holds for its SkylakeX kernels.
//   clang -O1 -I Sources/CKernels scripts/bench_narrow.c -o /tmp/bench_narrow -lopenblas && /tmp/bench_narrow
// (-O1: about the level Swift compiles the header at. Single-threaded OpenBLAS, as pipe's workers call it.)
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "NarrowLayerAVX512.h"
#include "ActivationsAVX512.h"
extern void openblas_set_num_threads(int);
extern char *openblas_get_corename(void);

enum { N = 13, K = 256, Q = 448, UNROLL = 16 };

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static float *values(long n, unsigned seed) {
    float *p = aligned_alloc(64, (n * 4 + 63) / 64 * 64);
    for (long i = 0; i < n; i++) { seed = seed * 1664525u + 1013904223u; p[i] = (seed >> 8) / 8388608.0f - 1.0f; }
    return p;
}

static float *copy(const float *p, long n) { float *q = aligned_alloc(64, (n * 4 + 63) / 64 * 64); memcpy(q, p, n * 4); return q; }

static int same(const float *a, const float *b, long n) { return memcmp(a, b, n * 4) == 0; }

static void blasForward(const float *x, const float *w, const float *bias, float *z, long rows) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, N, K, 1, x, K, w, K, 0, z, N);
    for (long r = 0; r < rows; r++) for (long j = 0; j < N; j++) z[r * N + j] += bias[j];
}

static void blasInput(const float *d, const float *w, float *grad, float *act, float *sums, long rows, int clear) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, K, N, 1, d, N, w, K, 0, grad, K);
    pipe_relu_backward_column_sums_avx512(grad, act, rows, K, sums, clear);
}

static void blasWeight(const float *d, const float *x, float *g, long rows) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, K, rows, 1, d, N, x, K, 1, g, K);
}

int main(void) {
    openblas_set_num_threads(1);
    printf("OpenBLAS core: %s\n", openblas_get_corename());
    float *wt = aligned_alloc(64, 16 * K * 4);
    long rowsList[2] = {1024, 608};
    int agree = 1;
    for (int i = 0; i < 2; i++) {
        long rows = rowsList[i];
        float *x = values(rows * K, 1), *w = values(N * K, 2), *bias = values(N, 3), *d = values(rows * N, 4);
        float *act = values(rows * K, 5), *z1 = values(rows * N, 6), *z2 = copy(z1, rows * N);
        blasForward(x, w, bias, z1, rows);
        pipe_narrow_forward_avx512(x, w, bias, z2, wt, rows, N, K, 0, Q, UNROLL);
        float *g1 = values(rows * K, 7), *g2 = copy(g1, rows * K), *a2 = copy(act, rows * K), *s1 = values(K, 8), *s2 = copy(s1, K);
        blasInput(d, w, g1, act, s1, rows, 1);
        pipe_narrow_backward_input_avx512(d, w, g2, a2, s2, rows, K, N, 1);
        float *dw1 = values(N * K, 9), *dw2 = copy(dw1, N * K);
        blasWeight(d, x, dw1, rows);
        pipe_narrow_weight_gradient_avx512(d, x, dw2, N, K, rows, 1, Q, UNROLL);
        int f = same(z1, z2, rows * N), in = same(g1, g2, rows * K) && same(s1, s2, K) && same(act, a2, rows * K);
        int wg = same(dw1, dw2, N * K);
        printf("%ld rows: forward %s, input gradient %s, weight gradient %s\n", rows, f ? "same bits" : "DIFFERENT",
               in ? "same bits" : "DIFFERENT", wg ? "same bits" : "DIFFERENT");
        agree &= f && in && wg;
    }

    const long rows = 1024;
    float *x = values(rows * K, 11), *w = values(N * K, 12), *bias = values(N, 13), *d = values(rows * N, 14);
    float *act = values(rows * K, 15), *z = values(rows * N, 16), *grad = values(rows * K, 17), *sums = values(K, 18);
    float *dw = values(N * K, 19);
    const char *names[6] = {"forward + bias     sgemm", "forward + bias     kernel", "input grad + ReLU  sgemm",
                            "input grad + ReLU  kernel", "weight gradient    sgemm", "weight gradient    kernel"};
    double best[6];
    for (int v = 0; v < 6; v++) best[v] = 1e9;
    for (int round = 0; round < 5; round++) {
        for (int v = 0; v < 6; v++) {
            for (int call = 0; call < 400; call++) {
                double t = now();
                switch (v) {
                case 0: blasForward(x, w, bias, z, rows); break;
                case 1: pipe_narrow_forward_avx512(x, w, bias, z, wt, rows, N, K, 0, Q, UNROLL); break;
                case 2: blasInput(d, w, grad, act, sums, rows, 0); break;
                case 3: pipe_narrow_backward_input_avx512(d, w, grad, act, sums, rows, K, N, 0); break;
                case 4: blasWeight(d, x, dw, rows); break;
                case 5: pipe_narrow_weight_gradient_avx512(d, x, dw, N, K, rows, 1, Q, UNROLL); break;
                }
                t = now() - t;
                if (t < best[v]) best[v] = t;
            }
        }
    }
    double flops = 2.0 * rows * N * K, sgemm = 0, kernel = 0;
    printf("\nmicroseconds per call (best), GFLOP/s of the product, %ld x %d x %d:\n", rows, N, K);
    for (int v = 0; v < 6; v++) {
        printf("  %s  %7.1f us  %6.1f GFLOP/s%s", names[v], best[v] * 1e6, flops / best[v] / 1e9,
               v % 2 ? "" : "\n");
        if (v % 2) printf("   (%.2fx)\n", best[v - 1] / best[v]);
        if (v % 2) kernel += best[v]; else sgemm += best[v];
    }
    printf("  all three: sgemm %.1f us, kernels %.1f us (%.2fx)\n", sgemm * 1e6, kernel * 1e6, sgemm / kernel);
    return agree ? 0 : 1;
}
