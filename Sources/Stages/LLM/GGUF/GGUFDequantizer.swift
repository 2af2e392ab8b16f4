// ggml block formats to Float, following ggml-quants.c (dequantize_row_*) with the arithmetic in
// the order of the gguf Python package (gguf/quants.py), so results match it bit for bit: products
// and sums are separate Float operations, never fused.

/// Dequantization kernels for the ggml types in `GGMLType.dequantizable`.
public enum GGUFDequantizer {
    /// Writes `count` Floats decoded from `source` (stored as `type`) to `destination`.
    /// `count` must be a whole number of blocks and `type` one of `GGMLType.dequantizable`.
    public static func dequantize(_ type: GGMLType, _ source: UnsafeRawPointer, count: Int,
                                  into destination: UnsafeMutablePointer<Float>) {
        let blocks = count / type.blockElements
        switch type {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .f16:
            for i in 0..<count { destination[i] = half(source, i * 2) }
        case .bf16:
            for i in 0..<count { destination[i] = bfloat(source, i * 2) }
        case .q8_0:
            for b in 0..<blocks { q8_0(source + b * 34, destination + b * 32) }
        case .q4_0:
            for b in 0..<blocks { q4_0(source + b * 18, destination + b * 32) }
        case .q4_1:
            for b in 0..<blocks { q4_1(source + b * 20, destination + b * 32) }
        case .q5_0:
            for b in 0..<blocks { q5_0(source + b * 22, destination + b * 32) }
        case .q5_1:
            for b in 0..<blocks { q5_1(source + b * 24, destination + b * 32) }
        case .q4_K:
            for b in 0..<blocks { q4_K(source + b * 144, destination + b * 256) }
        case .q5_K:
            for b in 0..<blocks { q5_K(source + b * 176, destination + b * 256) }
        case .q6_K:
            for b in 0..<blocks { q6_K(source + b * 210, destination + b * 256) }
        default:
            preconditionFailure("GGUFDequantizer: \(type) is not dequantizable")
        }
    }

    /// IEEE half at byte `offset` of `p`, as Float.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
    }

    /// bfloat16 at byte `offset` of `p`, as Float.
    @inline(__always)
    static func bfloat(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(bitPattern: UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) << 16)
    }

    @inline(__always)
    static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 { p.load(fromByteOffset: offset, as: UInt8.self) }

    /// Q8_0: d (f16), 32 x int8; y = d * q.
    @inline(__always)
    static func q8_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for j in 0..<32 { y[j] = d * Float(Int8(bitPattern: byte(p, 2 + j))) }
    }

    /// Q4_0: d (f16), 16 bytes of nibbles; y = d * (q - 8), low nibbles first.
    @inline(__always)
    static func q4_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for j in 0..<16 {
            let q = byte(p, 2 + j)
            y[j] = d * Float(Int(q & 0xF) - 8)
            y[j + 16] = d * Float(Int(q >> 4) - 8)
        }
    }

    /// Q4_1: d, m (f16), 16 bytes of nibbles; y = d * q + m.
    @inline(__always)
    static func q4_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), m = half(p, 2)
        for j in 0..<16 {
            let q = byte(p, 4 + j)
            y[j] = d * Float(q & 0xF) + m
            y[j + 16] = d * Float(q >> 4) + m
        }
    }

    /// Q5_0: d (f16), 32 high bits, 16 bytes of nibbles; y = d * (q - 16).
    @inline(__always)
    static func q5_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for j in 0..<16 {
            let q = byte(p, 6 + j)
            let h0 = Int((qh >> UInt32(j)) & 1) << 4, h1 = Int((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float((Int(q & 0xF) | h0) - 16)
            y[j + 16] = d * Float((Int(q >> 4) | h1) - 16)
        }
    }

    /// Q5_1: d, m (f16), 32 high bits, 16 bytes of nibbles; y = d * q + m.
    @inline(__always)
    static func q5_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), m = half(p, 2)
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for j in 0..<16 {
            let q = byte(p, 8 + j)
            let h0 = Int((qh >> UInt32(j)) & 1) << 4, h1 = Int((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float(Int(q & 0xF) | h0) + m
            y[j + 16] = d * Float(Int(q >> 4) | h1) + m
        }
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes of a Q4_K/Q5_K block.
    @inline(__always)
    static func scaleMin(_ q: UnsafeRawPointer, _ j: Int) -> (Float, Float) {
        if j < 4 { return (Float(byte(q, j) & 63), Float(byte(q, j + 4) & 63)) }
        let scale = (byte(q, j + 4) & 0xF) | ((byte(q, j - 4) >> 6) << 4)
        let min = (byte(q, j + 4) >> 4) | ((byte(q, j) >> 6) << 4)
        return (Float(scale), Float(min))
    }

    /// Q4_K: d, dmin (f16), 12 bytes of 6-bit scales/mins, 128 bytes of nibbles; 8 sub-blocks of 32.
    @inline(__always)
    static func q4_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), dmin = half(p, 2)
        let scales = p + 4, qs = p + 16
        for chunk in 0..<4 {
            let (s1, m1) = scaleMin(scales, 2 * chunk), (s2, m2) = scaleMin(scales, 2 * chunk + 1)
            let d1 = d * s1, dm1 = dmin * m1, d2 = d * s2, dm2 = dmin * m2
            let out = y + chunk * 64
            for l in 0..<32 {
                let q = byte(qs, chunk * 32 + l)
                out[l] = d1 * Float(q & 0xF) - dm1
                out[l + 32] = d2 * Float(q >> 4) - dm2
            }
        }
    }

    /// Q5_K: d, dmin (f16), 12 bytes of scales/mins, 32 bytes of high bits, 128 bytes of nibbles.
    @inline(__always)
    static func q5_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), dmin = half(p, 2)
        let scales = p + 4, qh = p + 16, qs = p + 48
        for chunk in 0..<4 {
            let (s1, m1) = scaleMin(scales, 2 * chunk), (s2, m2) = scaleMin(scales, 2 * chunk + 1)
            let d1 = d * s1, dm1 = dmin * m1, d2 = d * s2, dm2 = dmin * m2
            let bit1 = UInt8(1) << UInt8(2 * chunk), bit2 = UInt8(2) << UInt8(2 * chunk)
            let out = y + chunk * 64
            for l in 0..<32 {
                let q = byte(qs, chunk * 32 + l), h = byte(qh, l)
                out[l] = d1 * Float((q & 0xF) + (h & bit1 != 0 ? 16 : 0)) - dm1
                out[l + 32] = d2 * Float((q >> 4) + (h & bit2 != 0 ? 16 : 0)) - dm2
            }
        }
    }

    /// Q6_K: 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 int8 scales, d (f16); y = d * s * (q - 32).
    @inline(__always)
    static func q6_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 208)
        for half in 0..<2 {
            let ql = p + half * 64, qh = p + 128 + half * 32, sc = p + 192 + half * 8
            let out = y + half * 128
            for l in 0..<32 {
                let s = l / 16
                let a = byte(ql, l), b = byte(ql, l + 32), h = byte(qh, l)
                let q1 = Int((a & 0xF) | ((h & 3) << 4)) - 32
                let q2 = Int((b & 0xF) | (((h >> 2) & 3) << 4)) - 32
                let q3 = Int((a >> 4) | (((h >> 4) & 3) << 4)) - 32
                let q4 = Int((b >> 4) | (((h >> 6) & 3) << 4)) - 32
                out[l] = d * Float(Int8(bitPattern: byte(sc, s))) * Float(q1)
                out[l + 32] = d * Float(Int8(bitPattern: byte(sc, s + 2))) * Float(q2)
                out[l + 64] = d * Float(Int8(bitPattern: byte(sc, s + 4))) * Float(q3)
                out[l + 96] = d * Float(Int8(bitPattern: byte(sc, s + 6))) * Float(q4)
            }
        }
    }
}
