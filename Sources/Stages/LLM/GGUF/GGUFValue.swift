/// One GGUF metadata value: a scalar, a string, or an array of values.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    case array([GGUFValue])

    /// The value as an integer, when it is one of the integer types (or a bool).
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        case .bool(let v): return v ? 1 : 0
        default: return nil
        }
    }

    /// The value as a Double, when it is a float or an integer.
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    /// The value as a Float, when it is a float or an integer.
    public var float: Float? { double.map(Float.init) }

    /// The value as a Bool, when it is a bool.
    public var bool: Bool? { if case .bool(let v) = self { return v } else { return nil } }

    /// The value as a String, when it is a string.
    public var string: String? { if case .string(let v) = self { return v } else { return nil } }

    /// The elements, when it is an array.
    public var array: [GGUFValue]? { if case .array(let v) = self { return v } else { return nil } }

    /// The elements as strings, when it is an array of strings.
    public var strings: [String]? {
        guard let array else { return nil }
        var result: [String] = []
        result.reserveCapacity(array.count)
        for element in array {
            guard let s = element.string else { return nil }
            result.append(s)
        }
        return result
    }

    /// The elements as integers, when it is an array of integers.
    public var ints: [Int]? {
        guard let array else { return nil }
        var result: [Int] = []
        result.reserveCapacity(array.count)
        for element in array {
            guard let v = element.int else { return nil }
            result.append(v)
        }
        return result
    }

    /// The elements as floats, when it is an array of numbers.
    public var floats: [Float]? {
        guard let array else { return nil }
        var result: [Float] = []
        result.reserveCapacity(array.count)
        for element in array {
            guard let v = element.float else { return nil }
            result.append(v)
        }
        return result
    }
}
