import Foundation

/// The instruction-set extensions of this machine's CPU, as far as choosing OpenBLAS kernels needs.
enum CPUFeatures {
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

    /// Whether this machine runs the AVX-512 kernels of CKernels (read once).
    static let avx512: Bool = {
        #if arch(x86_64)
        return hasAVX512(flags())
        #else
        return false
        #endif
    }()
}
