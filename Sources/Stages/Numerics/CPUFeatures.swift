import Foundation

/// The instruction-set extensions of this machine's CPU, as far as choosing OpenBLAS's and CKernels'
/// kernels needs.
public enum CPUFeatures {
    /// The name of the kernels the training passes use ("avx512", "avx2", "portable"), for benchmarks.
    public static var vectorKernels: String { vectorISA.name }

    /// The flags of the first processor in /proc/cpuinfo ("avx512f", ...); empty where unreadable.
    static func flags(cpuinfo path: String = "/proc/cpuinfo") -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// The AVX-512 subsets OpenBLAS's SkylakeX kernels use.
    static let avx512Subsets: Set<String> = ["avx512f", "avx512bw", "avx512vl", "avx512dq"]

    static func hasAVX512(_ flags: Set<String>) -> Bool { avx512Subsets.isSubset(of: flags) }

    /// The kernels the training passes use (read once): the widest this machine runs, AVX-512, else
    /// AVX2 (AMD Zen 2/3 and older Intel parts lack AVX-512, and the SSE2 loops Swift compiles there do
    /// half the lanes and no 64-bit multiplies). PIPE_KERNELS=portable|avx2 asks for narrower ones, to
    /// compare speeds in one run; every level gives the same Floats.
    static let vectorISA: VectorISA = {
        #if arch(x86_64)
        let widest = isa(forFlags: flags())
        #else
        let widest = VectorISA.portable
        #endif
        return isa(widest: widest, requested: ProcessInfo.processInfo.environment["PIPE_KERNELS"])
    }()

    /// `requested` (a VectorISA name) where the machine runs it, else the widest.
    static func isa(widest: VectorISA, requested: String?) -> VectorISA {
        guard let requested, let level = VectorISA(name: requested), level <= widest else { return widest }
        return level
    }

    /// The widest kernels a CPU with these flags runs.
    static func isa(forFlags flags: Set<String>) -> VectorISA {
        hasAVX512(flags) ? .avx512 : flags.contains("avx2") ? .avx2 : .portable
    }

    /// Every kernel level this machine runs, portable first: what the kernel tests compare.
    static var runnableISAs: [VectorISA] { VectorISA.allCases.filter { $0 <= vectorISA } }
}

/// Which kernels of CKernels an elementwise pass uses; every level computes the same Floats.
enum VectorISA: Int, Comparable, CaseIterable, Sendable {
    /// The plain Swift loops (the definition).
    case portable
    case avx2
    case avx512

    static func < (a: VectorISA, b: VectorISA) -> Bool { a.rawValue < b.rawValue }

    /// "portable", "avx2" or "avx512".
    var name: String { "\(self)" }

    init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }
}
