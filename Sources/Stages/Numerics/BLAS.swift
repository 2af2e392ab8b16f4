import COpenBLAS
import Foundation

// Why dlopen, and which kernels.
//
// OpenBLAS chooses its kernels once, when the library is loaded, from the CPUID or from the
// environment variable OPENBLAS_CORETYPE. Debian's 0.3.21 does not know recent CPUs: on Intel
// family 6 model 207 (Emerald Rapids) it falls back to its generic "Prescott" kernels (62 GFLOP/s
// instead of ~300 with SkylakeX), and on this AMD EPYC (family 26 = Zen 5, AVX-512) it picks
// "Haswell" (AVX2). So Stages does not link OpenBLAS: it sets OPENBLAS_CORETYPE first, then opens
// libopenblas.so.0.
//
// Measured here (AMD EPYC family 26 model 2, one thread, sgemm row-major, best of 5, GFLOP/s;
// separate processes, machine shared with other jobs):
//     shape (m x n x k)     default (Haswell)   SkylakeX   Cooperlake
//     1024 x 256 x 784            94              267         264
//     2048 x 2048 x 2048          91-115          253-260     255-260
//     256 x 784 x 1024            97              180+         -
// Cooperlake uses the SkylakeX sgemm kernel (it adds bf16 only), so the two tie.
// Rule (BLAS.coreChoice): PIPE_OPENBLAS_CORETYPE, when set, is used as given. Otherwise, when the
// CPU has avx512f, avx512bw, avx512vl and avx512dq, pipe sets OPENBLAS_CORETYPE=SkylakeX, even over
// an inherited OPENBLAS_CORETYPE naming another core (machines here export OPENBLAS_CORETYPE=Haswell,
// which costs a factor 2.7), and says so in the log. Pinning one kernel on every AVX-512 machine
// also makes results bit-identical across them, which a shared cache relies on. Without AVX-512,
// OpenBLAS's own detection (or the inherited value) stands.
//
// Threads: pipe runs `BLAS.threads` workers (PIPE_THREADS, default 2), each training whole models,
// and keeps OpenBLAS itself single-threaded. Every GEMM of a model then runs on one thread with
// one kernel, so results are bit-identical whatever the number of workers or their timing.

/// OpenBLAS, opened at first use after choosing its kernels (see the note at the top of BLAS.swift).
public enum BLAS {
    typealias SgemmFunction = @convention(c) (
        CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint,
        Float, UnsafePointer<Float>?, blasint, UnsafePointer<Float>?, blasint,
        Float, UnsafeMutablePointer<Float>?, blasint) -> Void
    typealias CoreNameFunction = @convention(c) () -> UnsafeMutablePointer<CChar>?
    typealias SetThreadsFunction = @convention(c) (Int32) -> Void
    typealias GetThreadsFunction = @convention(c) () -> Int32

    /// The functions pipe uses from libopenblas.so.0.
    struct Library: @unchecked Sendable {
        let sgemm: SgemmFunction
        let coreName: CoreNameFunction
        let setThreads: SetThreadsFunction
        let getThreads: GetThreadsFunction
    }

    /// The soname opened; Debian's libopenblas0 (pulled in by libopenblas-dev) provides it.
    public static let soname = "libopenblas.so.0"

    /// The core type chosen for this CPU when the environment does not name one.
    public static let avx512CoreType = "SkylakeX"

    private static let loaded: Result<Library, BLASUnavailable> = load()

    /// Loads OpenBLAS if needed; throws when the library or one of its functions is missing.
    public static func ensureLoaded() throws(BLASUnavailable) {
        _ = try loaded.get()
    }

    static var library: Library {
        switch loaded {
        case .success(let library): return library
        case .failure(let error): fatalError("\(error) (call BLAS.ensureLoaded() first)")
        }
    }

    /// OpenBLAS's name for the kernels it uses ("SkylakeX", "Haswell", ...).
    public static var coreName: String {
        guard let name = library.coreName() else { return "unknown" }
        return String(cString: name)
    }

    /// Worker threads pipe's numeric stages use: PIPE_THREADS, or 2.
    public static let threads: Int = {
        if let text = ProcessInfo.processInfo.environment["PIPE_THREADS"], let n = Int(text), n > 0 {
            return n
        }
        return 2
    }()

    /// Threads OpenBLAS itself uses per call (pipe keeps it at 1; benchmarks may change it).
    public static var libraryThreads: Int {
        get { Int(library.getThreads()) }
        set { library.setThreads(Int32(newValue)) }
    }

    /// The core type to request for a CPU with these flags, or nil to keep OpenBLAS's detection.
    static func coreType(forFlags flags: Set<String>) -> String? {
        CPUFeatures.hasAVX512(flags) ? avx512CoreType : nil
    }

    /// The OPENBLAS_CORETYPE to set before loading (nil: leave the environment alone) and a note
    /// for the log when an inherited value is replaced. See the rule at the top of this file.
    static func coreChoice(flags: Set<String>, inherited: String?, pipeOverride: String?) -> (set: String?, note: String?) {
        if let pipeOverride, !pipeOverride.isEmpty { return (pipeOverride, nil) }
        guard let core = coreType(forFlags: flags) else { return (nil, nil) }
        guard let inherited, !inherited.isEmpty, inherited.lowercased() != core.lowercased() else { return (core, nil) }
        return (core, "OPENBLAS_CORETYPE=\(inherited) from the environment replaced by \(core): this CPU has AVX-512 "
            + "(set PIPE_OPENBLAS_CORETYPE to choose a core yourself)")
    }

    /// Why the core type differs from what the environment asked for, if it does; stages log it.
    public nonisolated(unsafe) private(set) static var coreNote: String?

    private static func load() -> Result<Library, BLASUnavailable> {
        let environment = ProcessInfo.processInfo.environment
        let choice = coreChoice(flags: CPUFeatures.flags(), inherited: environment["OPENBLAS_CORETYPE"],
                                pipeOverride: environment["PIPE_OPENBLAS_CORETYPE"])
        if let core = choice.set { setenv("OPENBLAS_CORETYPE", core, 1) }
        coreNote = choice.note
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            return .failure(BLASUnavailable(reason: reason))
        }
        func symbol<F>(_ name: String, as type: F.Type) -> Result<F, BLASUnavailable> {
            guard let pointer = dlsym(handle, name) else {
                return .failure(BLASUnavailable(reason: "\(soname) has no symbol \(name)"))
            }
            return .success(unsafeBitCast(pointer, to: type))
        }
        return Result {
            let library = Library(
                sgemm: try symbol("cblas_sgemm", as: SgemmFunction.self).get(),
                coreName: try symbol("openblas_get_corename", as: CoreNameFunction.self).get(),
                setThreads: try symbol("openblas_set_num_threads", as: SetThreadsFunction.self).get(),
                getThreads: try symbol("openblas_get_num_threads", as: GetThreadsFunction.self).get())
            library.setThreads(1)
            return library
        }.mapError { $0 as! BLASUnavailable }
    }
}

/// OpenBLAS could not be loaded; says which Debian package provides it.
public struct BLASUnavailable: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String {
        "OpenBLAS is not usable (\(reason)): install Debian's libopenblas0 "
            + "(apt-get install libopenblas-dev) so that \(BLAS.soname) can be opened"
    }
}

// Row-major single-precision GEMM, in the three forms an MLP needs. Leading dimensions are the
// row lengths of the operands as stored.

/// C (m,n) = alpha * A (m,k) @ B (k,n) + beta * C.
@inline(__always)
func matmul(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
            m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0) {
    BLAS.library.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                       alpha, a, blasint(k), b, blasint(n), beta, c, blasint(n))
}

/// C (m,n) = alpha * A (m,k) @ B^T + beta * C, with B stored (n,k) (a PyTorch weight (out,in)).
@inline(__always)
func matmulTransposedB(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                       m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0) {
    BLAS.library.sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(m), blasint(n), blasint(k),
                       alpha, a, blasint(k), b, blasint(k), beta, c, blasint(n))
}

/// C (m,n) = alpha * A^T @ B (k,n) + beta * C, with A stored (k,m) (a weight gradient dZ^T @ X).
@inline(__always)
func matmulTransposedA(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                       m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0) {
    BLAS.library.sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                       alpha, a, blasint(m), b, blasint(n), beta, c, blasint(n))
}

extension BLAS {
    /// C (m,n) = alpha * op(A) @ op(B) + beta * C for contiguous row-major operands: op(A) is (m,k),
    /// stored (m,k), or (k,m) when transposeA; op(B) is (k,n), stored (k,n), or (n,k) when transposeB.
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                             beta: Float = 0, _ c: UnsafeMutablePointer<Float>) {
        library.sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                      blasint(m), blasint(n), blasint(k), alpha, a, blasint(transposeA ? m : k),
                      b, blasint(transposeB ? k : n), beta, c, blasint(n))
    }
}
