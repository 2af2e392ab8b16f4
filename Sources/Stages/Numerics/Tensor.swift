/// A row-major Float array with a shape, in one 64-byte-aligned allocation it owns.
///
/// A class, not a struct of [Float]: kernels take its raw pointer, so hot loops see no copy-on-write
/// checks and workers can fill disjoint parts of one tensor in parallel.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    /// The arena the elements lie in, or nil when the tensor owns its allocation.
    private let arena: TensorArena?

    /// A zero-filled tensor of this shape.
    public convenience init(shape: [Int]) {
        self.init(unwrittenShape: shape)
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// A tensor whose elements the caller writes before it reads any. Its fresh pages stay
    /// untouched until then, so a model load writes each weight's pages once (no zeroing pass) and
    /// threads filling disjoint rows fault in their own. In `arena` when given (kept alive by the tensor).
    init(unwrittenShape shape: [Int], in arena: TensorArena? = nil) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.arena = arena
        let bytes = max(count, 1) * 4
        if let arena {
            pointer = arena.allocate(byteCount: bytes).bindMemory(to: Float.self, capacity: max(count, 1))
            return
        }
        // Large tensors (a model's weight matrices, 25 models' parameters) on 2 MiB pages where the
        // kernel grants them: streaming them through 4 KiB pages costs a TLB miss every 4 KiB, and a
        // page walk under a hypervisor is dear. Asked for before the first touch below.
        // Freed ones go back to HugePagePool, so the next tensor of the same size skips the page faults.
        let raw = bytes >= Self.hugePageMinimum
            ? HugePagePool.shared.take(byteCount: bytes)
            : UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// A tensor holding `values`, which must have shape.product elements.
    public convenience init(shape: [Int], _ values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "Tensor: \(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    deinit {
        if arena != nil { return }  // the arena frees its space when its last tensor is gone
        let bytes = max(count, 1) * 4
        if bytes >= Self.hugePageMinimum {
            HugePagePool.shared.give(UnsafeMutableRawPointer(pointer), byteCount: bytes)
        } else {
            pointer.deallocate()
        }
    }

    /// Bytes from which a tensor asks for 2 MiB pages (below, rounding up to a page would waste more).
    static let hugePageMinimum = 4 << 20

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    public var array: [Float] { Array(buffer) }

    /// A copy with its own storage.
    public func copy() -> Tensor {
        let result = Tensor(shape: shape)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    public subscript(_ index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }
}
