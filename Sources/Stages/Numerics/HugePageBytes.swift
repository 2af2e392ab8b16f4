#if canImport(Glibc)
import Glibc
#endif

/// A read-only copy of bytes on 2 MiB pages where the kernel grants them (transparent huge pages
/// in madvise mode, as on Debian).
///
/// Why: a teacher step gathers 1024 random images out of 47 MB of MNIST pixels. On 4 KiB pages
/// nearly every image is a TLB miss, and a page walk under a hypervisor costs more than converting
/// the image; 23 huge pages cover the whole set.
final class HugePageBytes: @unchecked Sendable {
    let pointer: UnsafePointer<UInt8>
    let count: Int

    static let hugePage = 2 << 20

    init(_ bytes: [UInt8]) {
        let count = bytes.count
        self.count = count
        // From the pool, and back to it: each teacher stage of a build copies the same 47 MB of
        // pixels, and fresh pages cost a fault and a zeroing each (see HugePagePool).
        let raw = HugePagePool.shared.take(byteCount: count)
        let typed = raw.bindMemory(to: UInt8.self, capacity: count)
        if count > 0 { bytes.withUnsafeBufferPointer { typed.initialize(from: $0.baseAddress!, count: count) } }
        pointer = UnsafePointer(typed)
    }

    deinit { HugePagePool.shared.give(UnsafeMutableRawPointer(mutating: pointer), byteCount: count) }

    /// At least `byteCount` bytes (a whole number of 2 MiB pages, at least one), 2 MiB-aligned,
    /// untouched, with the kernel asked for huge pages before the first touch; free with deallocate().
    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let rounded = rounded(byteCount)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: hugePage)
        #if os(Linux)
        _ = madvise(raw, rounded, MADV_HUGEPAGE)  // a hint: without it (or without THP) 4 KiB pages
        #endif
        return raw
    }

    /// `byteCount` rounded up to whole 2 MiB pages, at least one.
    static func rounded(_ byteCount: Int) -> Int { max(1, (byteCount + hugePage - 1) / hugePage) * hugePage }
}
