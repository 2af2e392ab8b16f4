/// Where one tensor lies in a safetensors file and how it is stored.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The tensor's name ("model.layers.0.self_attn.q_proj.weight").
    public let name: String
    /// The dtype as written ("F32", "F16", "BF16", ...).
    public let dtype: String
    /// The shape, outermost first.
    public let shape: [Int]
    /// The byte offset of the data from the start of the file.
    public let fileOffset: Int
    /// The number of bytes of data.
    public let byteCount: Int

    /// The number of elements.
    public var elementCount: Int { shape.reduce(1, *) }

    /// The float type pipe widens this dtype from (F32, F16, BF16), or nil for any other dtype.
    var floatType: GGMLType? {
        switch dtype {
        case "F32": return .f32
        case "F16": return .f16
        case "BF16": return .bf16
        default: return nil
        }
    }

    /// Bytes per element of the dtypes safetensors defines, or nil for an unknown dtype.
    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": return 1
        default: return nil
        }
    }
}
