/// Where one tensor lies in a GGUF file and how it is stored.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name ("blk.0.attn_q.weight").
    public let name: String
    /// ggml dimensions, innermost first: a (rows, cols) matrix is [cols, rows].
    public let dimensions: [Int]
    /// The element type.
    public let type: GGMLType
    /// The byte offset of the data from the start of the file.
    public let fileOffset: Int
    /// The number of bytes of data.
    public let byteCount: Int

    /// The number of elements.
    public var elementCount: Int { dimensions.reduce(1, *) }

    /// The shape outermost first (PyTorch order): [rows, cols] for a matrix.
    public var shape: [Int] { dimensions.reversed() }
}
