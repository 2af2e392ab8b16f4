import COpenBLAS
import Foundation

// y = x W^T for a PyTorch-layout weight W (n, k). OpenBLAS's sgemm packs both operands on every
// call, which for a handful of rows costs more than the product: a decode step (one row) spent most
// of its time in sgemm_incopy copying the weights. So a few rows go through sgemv, which streams W
// once per row without packing (or GEMVKernel, its arithmetic without the call where it agrees);
// more rows through sgemm.

/// OpenBLAS's cblas_sgemv, looked up in the library BLAS opened.
enum BLASVector {
    typealias SgemvFunction = @convention(c) (
        CBLAS_ORDER, CBLAS_TRANSPOSE, blasint, blasint, Float, UnsafePointer<Float>?, blasint,
        UnsafePointer<Float>?, blasint, Float, UnsafeMutablePointer<Float>?, blasint) -> Void

    /// cblas_sgemv, or nil when the library lacks it (sgemm is used instead).
    static let sgemv: SgemvFunction? = {
        guard (try? BLAS.ensureLoaded()) != nil,
              let handle = dlopen(BLAS.soname, RTLD_NOW | RTLD_NOLOAD),
              let symbol = dlsym(handle, "cblas_sgemv") else { return nil }
        return unsafeBitCast(symbol, to: SgemvFunction.self)
    }()
}

/// Rows up to which `linear` uses sgemv, one call per row.
let gemvRowLimit = 2

/// out (m, n) = x (m, k) @ w^T + beta * out, w stored (n, k). With `workers` > 1 the columns of out
/// are split between that many single-threaded sgemm calls at once: OpenBLAS's own threading gains
/// little on the few rows of a short prompt (1.2x with 2 threads at 60 rows, measured here).
/// A given worker count gives the same bits every run; another count may round differently (OpenBLAS
/// treats edge columns with other kernels), so the stages fix it (2).
/// `rowKernel: false` keeps sgemv for the few-row case, for benchmarks comparing the two.
func linear(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
            m: Int, n: Int, k: Int, beta: Float = 0, workers: Int = 1, rowKernel: Bool = true) {
    // Column blocks rounded to 16 so every block but the last keeps the kernel's full width; each
    // worker reads x and w and writes its own columns of out.
    let lanes = max(1, min(workers, n / 16))
    let size = ((n + lanes - 1) / lanes + 15) / 16 * 16
    // Column blocks are multiples of 16, so only the last can miss the kernel's multiple of 4.
    let kernel = rowKernel && m <= gemvRowLimit && GEMVKernel.agrees(k: k, beta: beta)
    nonisolated(unsafe) let (x, w, out) = (x, w, out)
    WorkerTeam.shared.run(lanes: lanes) { lane in
        let first = lane * size
        guard first < n else { return }
        let columns = min(size, n - first)
        if kernel && columns % 4 == 0 {
            for r in 0..<m {
                GEMVKernel.run(w + first * k, x + r * k, out + r * n + first, rows: columns, k: k, accumulate: beta == 1)
            }
        } else if m <= gemvRowLimit, let sgemv = BLASVector.sgemv {
            for r in 0..<m {
                sgemv(CblasRowMajor, CblasNoTrans, blasint(columns), blasint(k), 1, w + first * k, blasint(k), x + r * k, 1,
                      beta, out + r * n + first, 1)
            }
        } else {
            BLAS.library.sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(m), blasint(columns), blasint(k),
                               1, x, blasint(k), w + first * k, blasint(k), beta, out + first, blasint(n))
        }
    }
}
