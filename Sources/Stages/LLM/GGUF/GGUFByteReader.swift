/// A bounds-checked little-endian cursor over a GGUF file's mapped bytes.
struct GGUFByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        if count < 0 || offset > bytes.count - count {
            throw .truncated(path: path, offset: offset, needed: count, what: what())
        }
    }

    mutating func scalar<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func float32(_ what: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try scalar(UInt32.self, what()))
    }

    mutating func float64(_ what: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try scalar(UInt64.self, what()))
    }

    mutating func string(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let length = try scalar(UInt64.self, what())
        guard length <= UInt64(bytes.count) else {
            throw .truncated(path: path, offset: offset, needed: Int(clamping: length), what: what())
        }
        try need(Int(length), what())
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)]), as: UTF8.self)
        offset += Int(length)
        return text
    }

    /// A metadata value of GGUF value type `type` (0...12).
    mutating func value(type: UInt32, key: String) throws(GGUFError) -> GGUFValue {
        let what = "metadata \"\(key)\""
        switch type {
        case 0: return .uint8(try scalar(UInt8.self, what))
        case 1: return .int8(try scalar(Int8.self, what))
        case 2: return .uint16(try scalar(UInt16.self, what))
        case 3: return .int16(try scalar(Int16.self, what))
        case 4: return .uint32(try scalar(UInt32.self, what))
        case 5: return .int32(try scalar(Int32.self, what))
        case 6: return .float32(try float32(what))
        case 7: return .bool(try scalar(UInt8.self, what) != 0)
        case 8: return .string(try string(what))
        case 9:
            let elementType = try scalar(UInt32.self, what)
            let count = try scalar(UInt64.self, what)
            // Every element takes at least one byte: a count beyond the file is a truncation.
            guard count <= UInt64(bytes.count - offset) else {
                throw .truncated(path: path, offset: offset, needed: Int(clamping: count), what: what)
            }
            var elements: [GGUFValue] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<Int(count) { elements.append(try value(type: elementType, key: key)) }
            return .array(elements)
        case 10: return .uint64(try scalar(UInt64.self, what))
        case 11: return .int64(try scalar(Int64.self, what))
        case 12: return .float64(try float64(what))
        default: throw .unknownValueType(path: path, key: key, type: type)
        }
    }
}
