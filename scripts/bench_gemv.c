// A decode step's weight products on SmolLM2's shapes (30 layers of q/k/v 960x576, o 576x576,
// gate/up 3072x576, down 576x1536, then the 49152x576 output matrix; 540 MB, made-up values on
// 2 MiB pages), split by columns between two threads that meet after each matrix, as `linear`
// does: OpenBLAS's sgemv against CKernels/GemvFMA.h, and a pass that only reads the same bytes
// (the memory's floor). First checks the kernel against sgemv bit for bit on every matrix and on
// lengths 4 .. 12300; then 20 rounds, each the best of 10 steps per variant, variants alternated.
//   clang -O1 -pthread -I Sources/CKernels scripts/bench_gemv.c -o /tmp/bench_gemv -lopenblas && /tmp/bench_gemv
// (-O1: about the level Swift compiles the header at.)
#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "GemvFMA.h"
extern void openblas_set_num_threads(int);

typedef struct { long n, k; int accumulate; float *w; } Matrix;
static Matrix matrices[128];
static int count = 0, variant = 0;
static float *x, *y;
static volatile float sink[2];
static atomic_int go = 0, done = 0;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static float *values(long n, unsigned seed) {
    size_t bytes = ((size_t)n * 4 + (2 << 20) - 1) & ~(size_t)((2 << 20) - 1);
    float *p = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(p, bytes, MADV_HUGEPAGE);
    for (long i = 0; i < n; i++) { seed = seed * 1664525u + 1013904223u; p[i] = ((seed >> 8) / 16777216.0f - 0.5f) * 0.1f; }
    return p;
}

__attribute__((target("avx2,fma")))
static void readOnly(const float *w, long n, int lane) {
    __m256 a = _mm256_setzero_ps(), b = a;
    for (long i = 0; i + 16 <= n; i += 16) { a = _mm256_add_ps(a, _mm256_loadu_ps(w + i)); b = _mm256_add_ps(b, _mm256_loadu_ps(w + i + 8)); }
    sink[lane] = pipe_gemv_reduce(_mm256_add_ps(a, b));
}

// Lane `lane`'s columns of every matrix (blocks rounded to 16 columns), meeting after each matrix.
static void step(int lane) {
    for (int m = 0; m < count; m++) {
        long n = matrices[m].n, k = matrices[m].k, size = ((n + 1) / 2 + 15) / 16 * 16, first = lane * size;
        long columns = n - first < size ? n - first : size;
        const float *w = matrices[m].w + first * k;
        if (variant == 0)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, columns, k, 1, w, k, x, 1, matrices[m].accumulate ? 1 : 0, y + first, 1);
        else if (variant == 1) pipe_gemv_rows_fma(w, x, y + first, columns, k, matrices[m].accumulate);
        else readOnly(w, columns * k, lane);
        if (lane == 1) atomic_fetch_add(&done, 1);
        else while (atomic_load(&done) <= m) _mm_pause();
    }
}

static void *helper(void *unused) {
    for (int seen = 0;; seen++) { while (atomic_load(&go) == seen) _mm_pause(); step(1); }
    return unused;
}

static int compare(const float *w, long n, long k, int accumulate, unsigned seed) {
    float *a = malloc(n * 4), *b = malloc(n * 4), *v = values(k, seed);
    for (long j = 0; j < n; j++) a[j] = b[j] = 0.25f * (float)(j % 7) - 0.5f;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1, w, k, v, 1, accumulate ? 1 : 0, a, 1);
    pipe_gemv_rows_fma(w, v, b, n, k, accumulate);
    int differ = memcmp(a, b, n * 4) != 0;
    free(a); free(b);
    return differ;
}

static int byMs(const void *a, const void *b) { double d = *(const double *)a - *(const double *)b; return (d > 0) - (d < 0); }

int main(void) {
    openblas_set_num_threads(1);
    long shapes[4][3] = {{960, 576, 0}, {576, 576, 1}, {3072, 576, 0}, {576, 1536, 1}};
    for (int l = 0; l < 30; l++)
        for (int s = 0; s < 4; s++, count++)
            matrices[count] = (Matrix){shapes[s][0], shapes[s][1], (int)shapes[s][2], values(shapes[s][0] * shapes[s][1], count)};
    matrices[count] = (Matrix){49152, 576, 0, values(49152L * 576, 999)}; count++;
    x = values(4096, 7); y = values(49152, 8);

    int differ = 0;
    for (int m = 0; m < count; m++) differ += compare(matrices[m].w, matrices[m].n, matrices[m].k, matrices[m].accumulate, m);
    printf("kernel vs sgemv: %d of %d matrices differ", differ, count);
    long lengths[] = {4, 8, 12, 16, 20, 28, 44, 100, 576, 1536, 4092, 4096, 4100, 5000, 8192, 12300};
    differ = 0;
    for (int i = 0; i < 16; i++) for (int a = 0; a < 2; a++) differ += compare(values(16 * lengths[i], i), 16, lengths[i], a, i + 50);
    printf("; %d of 32 lengths x beta differ\n", differ);

    pthread_t thread;
    pthread_create(&thread, 0, helper, 0);
    const char *names[3] = {"OpenBLAS sgemv", "GemvFMA.h", "read only"};
    double best[3][20];
    for (int round = 0; round < 20; round++)
        for (variant = 0; variant < 3; variant++) {
            best[variant][round] = 1e9;
            for (int r = 0; r < 10; r++) {
                atomic_store(&done, 0);
                double t = now();
                atomic_fetch_add(&go, 1);
                step(0);
                t = now() - t;
                if (t < best[variant][round]) best[variant][round] = t;
            }
        }
    int faster = 0;
    for (int round = 0; round < 20; round++) faster += best[1][round] < best[0][round];
    for (int v = 0; v < 3; v++) {
        qsort(best[v], 20, sizeof(double), byMs);
        printf("%-15s median %.2f ms per step (%.1f tok/s), fastest %.2f ms\n", names[v], best[v][10] * 1e3, 1 / best[v][10], best[v][0] * 1e3);
    }
    printf("GemvFMA.h faster than sgemv in %d of 20 rounds\n", faster);
    return 0;
}
