// The hand-written inflater pipe had before zlib (Sources/Stages/MNIST/Inflate.swift and CRC32.swift at
// commit 235f5d8), kept here only so the benchmark measures it against zlib in the same run.
/// A failure to decompress a DEFLATE (RFC 1951) or gzip (RFC 1952) stream.
enum HandWrittenInflateError: Error, Equatable, CustomStringConvertible, Sendable {
    case notGzip
    case unsupportedMethod(UInt8)
    case truncated
    case invalidBlockType
    case storedLengthMismatch
    case invalidCodeLengths(String)
    case invalidSymbol
    case distanceTooFar(distance: Int, available: Int)
    case checksumMismatch(expected: UInt32, actual: UInt32)
    case sizeMismatch(expected: UInt32, actual: UInt32)

    public var description: String {
        switch self {
        case .notGzip: return "not gzip data (bad magic bytes)"
        case let .unsupportedMethod(method): return "unsupported gzip compression method \(method) (only 8, deflate)"
        case .truncated: return "compressed data ends early (truncated file?)"
        case .invalidBlockType: return "invalid deflate block type 3"
        case .storedLengthMismatch: return "stored block length does not match its complement"
        case let .invalidCodeLengths(why): return "invalid Huffman code lengths: \(why)"
        case .invalidSymbol: return "invalid Huffman code or symbol in compressed data"
        case let .distanceTooFar(distance, available):
            return "back-reference distance \(distance) reaches before the start of the output (\(available) bytes)"
        case let .checksumMismatch(expected, actual):
            return "gzip CRC-32 mismatch: trailer says \(hex(expected)), data has \(hex(actual))"
        case let .sizeMismatch(expected, actual):
            return "gzip size mismatch: trailer says \(expected) bytes (mod 2^32), data has \(actual)"
        }
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}

/// Gzip and raw DEFLATE decompression in pure Swift, so Stages needs no zlib.
enum HandWrittenInflate {
    /// True when `bytes` start with the gzip magic (1f 8b).
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses a gzip file: every member (concatenated gzip streams are one file), each
    /// checked against its CRC-32 and size trailer.
    public static func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        // The last member's trailer holds its size mod 2^32: a good first capacity.
        var hint = 1 << 16
        if bytes.count >= 4 {
            let n = bytes.count
            hint = max(hint, min(1 << 30, Int(UInt32(bytes[n - 4]) | UInt32(bytes[n - 3]) << 8
                                              | UInt32(bytes[n - 2]) << 16 | UInt32(bytes[n - 1]) << 24)))
        }
        var output = OutputBuffer(capacity: hint)
        defer { output.free() }
        try bytes.withUnsafeBufferPointer { input in
            var position = 0
            repeat {
                let start = output.count
                position = try skipGzipHeader(bytes, from: position)
                var decoder = Inflater(input: input, position: position)
                try decoder.run(into: &output)
                position = decoder.bytePositionAfterStream()
                guard position + 8 <= bytes.count else { throw HandWrittenInflateError.truncated }
                let crc = readLE32(bytes, position), size = readLE32(bytes, position + 4)
                position += 8
                let member = UnsafeBufferPointer(start: output.base + start, count: output.count - start)
                let actualCRC = HandWrittenCRC32.checksum(member)
                guard actualCRC == crc else { throw HandWrittenInflateError.checksumMismatch(expected: crc, actual: actualCRC) }
                let actualSize = UInt32(truncatingIfNeeded: member.count)
                guard actualSize == size else { throw HandWrittenInflateError.sizeMismatch(expected: size, actual: actualSize) }
                // Some writers pad a file with zeros after the last member.
                while position < bytes.count, bytes[position] == 0 { position += 1 }
            } while position < bytes.count
        }
        return output.array()
    }

    /// Decompresses a raw DEFLATE stream (no gzip or zlib wrapper).
    public static func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var output = OutputBuffer(capacity: max(1 << 16, bytes.count * 4))
        defer { output.free() }
        try bytes.withUnsafeBufferPointer { input in
            var decoder = Inflater(input: input, position: 0)
            try decoder.run(into: &output)
        }
        return output.array()
    }

    /// Returns the offset of the deflate data after the member header at `start` (RFC 1952 §2.3).
    private static func skipGzipHeader(_ bytes: [UInt8], from start: Int) throws -> Int {
        guard bytes.count - start >= 10 else { throw bytes.count - start >= 2 ? HandWrittenInflateError.truncated : .notGzip }
        guard bytes[start] == 0x1f, bytes[start + 1] == 0x8b else { throw HandWrittenInflateError.notGzip }
        guard bytes[start + 2] == 8 else { throw HandWrittenInflateError.unsupportedMethod(bytes[start + 2]) }
        let flags = bytes[start + 3]
        var position = start + 10
        if flags & 0x04 != 0 { // FEXTRA
            guard position + 2 <= bytes.count else { throw HandWrittenInflateError.truncated }
            position += 2 + (Int(bytes[position]) | Int(bytes[position + 1]) << 8)
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 { // FNAME, FCOMMENT: zero-terminated
            while position < bytes.count, bytes[position] != 0 { position += 1 }
            position += 1
        }
        if flags & 0x02 != 0 { position += 2 } // FHCRC
        guard position <= bytes.count else { throw HandWrittenInflateError.truncated }
        return position
    }

    private static func readLE32(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }
}

/// A canonical Huffman code as a single lookup table indexed by the next `maxLength` input bits
/// (LSB first, as DEFLATE packs them): entry = symbol << 4 | code length, 0 = no such code.
struct HuffmanTable {
    let entries: [UInt16]
    let maxLength: Int

    init(lengths: [UInt8]) throws {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[Int(length)] += 1 }
        counts[0] = 0
        let maxLength = counts.lastIndex(where: { $0 > 0 }) ?? 0
        guard maxLength > 0 else { throw HandWrittenInflateError.invalidCodeLengths("no codes") }
        // Over-subscribed codes are malformed; incomplete ones are legal (e.g. a single
        // distance code) and leave zero entries that decode as errors.
        var left = 1
        for length in 1...15 {
            left = left << 1 - counts[length]
            guard left >= 0 else { throw HandWrittenInflateError.invalidCodeLengths("over-subscribed") }
        }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + counts[length - 1]) << 1
            next[length] = code
        }
        var entries = [UInt16](repeating: 0, count: 1 << maxLength)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let length = Int(length)
            let code = next[length]
            next[length] += 1
            // Codes are sent MSB first, so the table index is the bit-reversed code.
            var reversed = 0
            for bit in 0..<length where code & (1 << (length - 1 - bit)) != 0 { reversed |= 1 << bit }
            let entry = UInt16(symbol << 4 | length)
            var index = reversed
            while index < entries.count {
                entries[index] = entry
                index += 1 << length
            }
        }
        self.entries = entries
        self.maxLength = maxLength
    }
}

/// The decompressed bytes so far, which are also the window back-references read from.
///
/// A raw growable buffer rather than an Array: copies and appends stay plain memory operations,
/// which keeps decoding fast even in unoptimized (debug) builds.
struct OutputBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grown = max(capacity * 2, count + extra)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        larger.initialize(from: base, count: count)
        base.deallocate()
        base = larger
        capacity = grown
    }

    /// Appends one byte; room must have been reserved.
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// Appends `bytes`.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let source = bytes.baseAddress { (base + count).initialize(from: source, count: bytes.count) }
        count += bytes.count
    }

    /// Appends `length` bytes starting `distance` back; they may overlap what is being written
    /// (distance 1 repeats the last byte). Room must have been reserved.
    @inline(__always)
    mutating func copyMatch(length: Int, distance: Int) {
        let target = base + count
        let source = target - distance
        if distance >= length {
            target.initialize(from: source, count: length)
        } else {
            for i in 0..<length { target[i] = source[i] }
        }
        count += length
    }

    func array() -> [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    func free() { base.deallocate() }
}

/// The DEFLATE decoder state: where it is in the input and the bits buffered from it.
struct Inflater {
    let input: UnsafeBufferPointer<UInt8>
    var position: Int
    /// Buffered input bits, LSB first; `bitCount` of them are valid.
    var bitBuffer: UInt64 = 0
    var bitCount = 0
    /// Zero bytes appended past the end of the input to fill the buffer; using any is truncation.
    var paddingBytes = 0

    init(input: UnsafeBufferPointer<UInt8>, position: Int) {
        self.input = input; self.position = position
    }

    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                            35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                             3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                              257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                              8193, 12289, 16385, 24577]
    private static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                               7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// The order code-length code lengths are sent in (RFC 1951 §3.2.7).
    private static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    private static let fixedLiterals = try! HuffmanTable(lengths:
        [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
        + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8))
    private static let fixedDistances = try! HuffmanTable(lengths: [UInt8](repeating: 5, count: 30))

    mutating func run(into output: inout OutputBuffer) throws {
        var last = false
        while !last {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock(into: &output)
            case 1: try codedBlock(Self.fixedLiterals, Self.fixedDistances, into: &output)
            case 2:
                let (literals, distances) = try dynamicTables()
                try codedBlock(literals, distances, into: &output)
            default: throw HandWrittenInflateError.invalidBlockType
            }
        }
    }

    /// The input offset just past the final block (its last partial byte included).
    func bytePositionAfterStream() -> Int { position - bitCount / 8 }

    @inline(__always)
    private mutating func refill() {
        while bitCount <= 56 {
            if position < input.count {
                bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            } else {
                paddingBytes += 1
            }
            position += 1
            bitCount += 8
        }
    }

    @inline(__always)
    private mutating func bits(_ n: Int) throws -> Int {
        if bitCount < n { refill() }
        let value = Int(bitBuffer & ((1 << UInt64(n)) - 1))
        bitBuffer >>= UInt64(n)
        bitCount -= n
        guard paddingBytes * 8 <= bitCount else { throw HandWrittenInflateError.truncated }
        return value
    }

    @inline(__always)
    private mutating func decode(_ table: HuffmanTable) throws -> Int {
        if bitCount < 15 { refill() }
        let entry = Int(table.entries[Int(bitBuffer & ((1 << UInt64(table.maxLength)) - 1))])
        let length = entry & 15
        guard length != 0 else {
            // Bits that run into the zero padding past the input mean the input ended early.
            throw bitCount - paddingBytes * 8 < table.maxLength ? HandWrittenInflateError.truncated : .invalidSymbol
        }
        bitBuffer >>= UInt64(length)
        bitCount -= length
        guard paddingBytes * 8 <= bitCount else { throw HandWrittenInflateError.truncated }
        return entry >> 4
    }

    private mutating func storedBlock(into output: inout OutputBuffer) throws {
        // Skip to a byte boundary; then LEN and NLEN, then LEN raw bytes.
        _ = try bits(bitCount % 8)
        let length = try bits(16), complement = try bits(16)
        guard length == ~complement & 0xffff else { throw HandWrittenInflateError.storedLengthMismatch }
        // Hand back the whole buffered bytes (padding included) so the copy reads the input directly.
        position -= bitCount / 8
        bitBuffer = 0; bitCount = 0; paddingBytes = 0
        guard position + length <= input.count else { throw HandWrittenInflateError.truncated }
        output.append(UnsafeBufferPointer(rebasing: input[position..<(position + length)]))
        position += length
    }

    private mutating func dynamicTables() throws -> (HuffmanTable, HuffmanTable) {
        let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw HandWrittenInflateError.invalidCodeLengths("too many length or distance codes")
        }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount { codeLengthLengths[Self.codeLengthOrder[i]] = UInt8(try bits(3)) }
        let codeLengthTable = try HuffmanTable(lengths: codeLengthLengths)
        var lengths = [UInt8]()
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeLengthTable)
            switch symbol {
            case 0...15: lengths.append(UInt8(symbol))
            case 16:
                guard let previous = lengths.last else { throw HandWrittenInflateError.invalidCodeLengths("repeat with no previous length") }
                lengths.append(contentsOf: repeatElement(previous, count: 3 + (try bits(2))))
            case 17: lengths.append(contentsOf: repeatElement(0, count: 3 + (try bits(3))))
            default: lengths.append(contentsOf: repeatElement(0, count: 11 + (try bits(7))))
            }
        }
        guard lengths.count == literalCount + distanceCount else {
            throw HandWrittenInflateError.invalidCodeLengths("repeat runs past the last code")
        }
        guard lengths[256] != 0 else { throw HandWrittenInflateError.invalidCodeLengths("no end-of-block code") }
        return (try HuffmanTable(lengths: Array(lengths[..<literalCount])),
                try HuffmanTable(lengths: Array(lengths[literalCount...])))
    }

    private mutating func codedBlock(_ literals: HuffmanTable, _ distances: HuffmanTable,
                                     into output: inout OutputBuffer) throws {
        while true {
            // The longest match is 258 bytes: reserving that once per symbol covers both cases.
            output.reserve(258)
            let symbol = try decode(literals)
            if symbol < 256 {
                output.append(UInt8(truncatingIfNeeded: symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw HandWrittenInflateError.invalidSymbol }
            let length = Self.lengthBase[lengthIndex] + (try bits(Self.lengthExtra[lengthIndex]))
            let distanceSymbol = try decode(distances)
            guard distanceSymbol < 30 else { throw HandWrittenInflateError.invalidSymbol }
            let distance = Self.distanceBase[distanceSymbol] + (try bits(Self.distanceExtra[distanceSymbol]))
            guard distance <= output.count else {
                throw HandWrittenInflateError.distanceTooFar(distance: distance, available: output.count)
            }
            output.copyMatch(length: length, distance: distance)
        }
    }
}
/// CRC-32 (IEEE 802.3, as gzip uses it), slicing-by-8 so checking 50 MB takes milliseconds.
enum HandWrittenCRC32 {
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
