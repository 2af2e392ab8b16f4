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
        let rounded = max(1, (count + Self.hugePage - 1) / Self.hugePage) * Self.hugePage
        let raw = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: Self.hugePage)
        #if os(Linux)
        _ = madvise(raw, rounded, MADV_HUGEPAGE)  // a hint: without it (or without THP) 4 KiB pages
        #endif
        let typed = raw.bindMemory(to: UInt8.self, capacity: rounded)
        if count > 0 { bytes.withUnsafeBufferPointer { typed.initialize(from: $0.baseAddress!, count: count) } }
        pointer = UnsafePointer(typed)
    }

    deinit { UnsafeMutablePointer(mutating: pointer).deallocate() }
}
