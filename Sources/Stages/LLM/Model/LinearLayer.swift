import COpenBLAS
import Foundation

// y = x W^T for a PyTorch-layout weight W (n, k). OpenBLAS's sgemm packs both operands on every
// call, which for a handful of rows costs more than the product: a decode step (one row) spent most
// of its time in sgemm_incopy copying the weights. So a few rows go through sgemv, which streams W
// once per row without packing; more rows through sgemm.

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

/// out (m, n) = x (m, k) @ w^T + beta * out, w stored (n, k).
@inline(__always)
func linear(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
            m: Int, n: Int, k: Int, beta: Float = 0) {
    if m <= gemvRowLimit, let sgemv = BLASVector.sgemv {
        for r in 0..<m {
            sgemv(CblasRowMajor, CblasNoTrans, blasint(n), blasint(k), 1, w, blasint(k), x + r * k, 1,
                  beta, out + r * n, 1)
        }
    } else {
        BLAS.sgemm(transposeB: true, m: m, n: n, k: k, x, w, beta: beta, out)
    }
}
