#if arch(x86_64)
import CKernels
#endif

/// x (count) = (p / 255 - 0.5) / 0.5 for bytes p (count): torchvision's ToTensor then
/// Normalize((0.5,), (0.5,)), so images lie in [-1, 1]. Computed as 2 * (p / 255) - 1, which is
/// the same Float (scaling by 2 commutes with rounding). 16 lanes with AVX-512, 8 with AVX2
/// (same operations, same Floats; see CKernels/Pixels*.h); `isa` chooses the kernel only.
@inline(__always)
func normalizePixels(_ p: UnsafePointer<UInt8>, _ x: UnsafeMutablePointer<Float>, count: Int,
                     isa: VectorISA = CPUFeatures.vectorISA) {
    #if arch(x86_64)
    switch isa {
    case .avx512: return pipe_normalize_pixels_avx512(p, x, count)
    case .avx2: return pipe_normalize_pixels_avx2(p, x, count)
    case .portable: break
    }
    #endif
    normalizePixelsPortable(p, x, count: count)
}

/// normalizePixels in plain Swift: the definition, and the kernel without AVX2.
@inline(__always)
func normalizePixelsPortable(_ p: UnsafePointer<UInt8>, _ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = 2 * (Float(p[i]) / 255) - 1 }
}

/// x (rows.count, width) = normalizePixels of images rows[0], rows[1], ... of `pixels` (images of
/// `width` bytes). Shuffled rows miss the cache; prefetching a few rows ahead overlaps the misses
/// with the conversion.
func gatherPixels(_ pixels: UnsafePointer<UInt8>, rows: UnsafeBufferPointer<Int32>, width: Int,
                  into x: UnsafeMutablePointer<Float>) {
    let ahead = 4
    for r in 0..<rows.count {
        #if arch(x86_64)
        if r + ahead < rows.count {
            let next = pixels + Int(rows[r + ahead]) * width
            for offset in stride(from: 0, to: width, by: 64) { pipe_prefetch(next + offset) }
            pipe_prefetch(next + width - 1)
        }
        #endif
        normalizePixels(pixels + Int(rows[r]) * width, x + r * width, count: width)
    }
}
