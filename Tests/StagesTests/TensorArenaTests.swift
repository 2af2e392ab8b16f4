import Testing
@testable import Stages

@Suite("Tensor arena")
struct TensorArenaTests {
    /// Tensors carved from an arena are 64-byte aligned, never overlap (also across chunks and for
    /// a tensor larger than a chunk), and keep their values after the arena's last other holder is gone.
    @Test func tensorsAreAlignedDisjointAndKeepTheArenaAlive() {
        var tensors: [Tensor] = []
        do {
            let arena = TensorArena()
            let counts = [2, 576, 3, 16 << 20, 40 << 20, 7, 32 << 20]  // 64, 160 and 128 MB: a second and third chunk
            for (i, count) in counts.enumerated() {
                let t = Tensor(unwrittenShape: [count], in: arena)
                t.pointer[0] = Float(i)
                t.pointer[count - 1] = Float(i) + 0.5
                tensors.append(t)
            }
        }
        for (i, t) in tensors.enumerated() {
            #expect(Int(bitPattern: t.pointer) % 64 == 0)
            #expect(t.pointer[0] == Float(i) && t.pointer[t.count - 1] == Float(i) + 0.5)
        }
        let ranges = tensors.map { t in
            let start = Int(bitPattern: t.pointer)
            return start..<(start + 4 * t.count)
        }.sorted { $0.lowerBound < $1.lowerBound }
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound <= b.lowerBound) }
    }
}
