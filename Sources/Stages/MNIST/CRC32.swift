/// CRC-32 (IEEE 802.3, as gzip uses it), slicing-by-8 so checking 50 MB takes milliseconds.
public enum CRC32 {
    /// Eight 256-entry tables, flat (table k at offset 256 * k): table 0 is the classic byte
    /// table, table k advances a byte k more positions.
    private static let table: [UInt32] = {
        var first = [UInt32](repeating: 0, count: 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            first[n] = c
        }
        var tables = [first]
        for k in 1..<8 {
            tables.append((0..<256).map { n in
                let previous = tables[k - 1][n]
                return first[Int(previous & 0xff)] ^ (previous >> 8)
            })
        }
        return tables.flatMap { $0 }
    }()

    /// The CRC-32 of `bytes`.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        let done: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            crc = update(crc, buffer, table)
            return true
        }
        if done == nil {
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static func update(_ start: UInt32, _ buffer: UnsafeBufferPointer<UInt8>, _ table: [UInt32]) -> UInt32 {
        var crc = start
        var i = 0
        let n = buffer.count
        table.withUnsafeBufferPointer { t in
            while i + 8 <= n {
                let low = crc ^ (UInt32(buffer[i]) | UInt32(buffer[i + 1]) << 8
                                 | UInt32(buffer[i + 2]) << 16 | UInt32(buffer[i + 3]) << 24)
                crc = t[7 * 256 + Int(low & 0xff)] ^ t[6 * 256 + Int((low >> 8) & 0xff)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xff)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(buffer[i + 4])] ^ t[2 * 256 + Int(buffer[i + 5])]
                    ^ t[1 * 256 + Int(buffer[i + 6])] ^ t[Int(buffer[i + 7])]
                i += 8
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(buffer[i])) & 0xff)] ^ (crc >> 8)
                i += 1
            }
        }
        return crc
    }
}
