import Foundation
import Pipeline

// Little-endian readers and writers for pipe's binary artifacts. Float arrays are copied as raw
// bytes: every platform pipe runs on (x86-64, arm64) is little-endian, which init checks.

/// Appends little-endian fields to a Data.
struct ByteWriter {
    var data = Data()

    /// `capacity`: the expected size. Reserving it spares the copies and fresh pages of growing a
    /// Data of hundreds of MB step by step, time during which one core works and the other waits.
    init(capacity: Int = 0) {
        precondition(1.littleEndian == 1, "pipe's artifacts assume a little-endian CPU")
        data.reserveCapacity(capacity)
    }

    mutating func bytes(_ bytes: [UInt8]) { data.append(contentsOf: bytes) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }

    /// Byte count (UInt32), then the UTF-8 bytes.
    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        u32(UInt32(utf8.count))
        bytes(utf8)
    }

    mutating func floats(_ tensor: Tensor) {
        data.append(UnsafeBufferPointer(start: tensor.pointer, count: tensor.count))
    }
}

/// Reads little-endian fields from a Data; running past the end is StageError.badInput.
struct ByteReader {
    let data: Data
    let name: String
    let artifact: String
    var offset: Int

    init(_ data: Data, name: String, artifact: String) {
        self.data = data
        self.name = name
        self.artifact = artifact
        offset = data.startIndex
    }

    var remaining: Int { data.endIndex - offset }

    private mutating func take(_ count: Int) throws -> Data {
        guard count >= 0, remaining >= count else {
            throw StageError.badInput(name: name, reason: "\(artifact) is truncated (\(data.count) bytes)")
        }
        defer { offset += count }
        return data[offset..<(offset + count)]
    }

    mutating func expectMagic(_ magic: [UInt8]) throws {
        guard remaining >= magic.count, Array(data[offset..<(offset + magic.count)]) == magic else {
            throw StageError.badInput(name: name, reason: "not a \(artifact) artifact (bad magic)")
        }
        offset += magic.count
    }

    mutating func u32() throws -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func u64() throws -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func string() throws -> String {
        let count = Int(try u32())
        guard let text = String(data: try take(count), encoding: .utf8) else {
            throw StageError.badInput(name: name, reason: "\(artifact) has a string that is not UTF-8")
        }
        return text
    }

    mutating func floats(into tensor: Tensor) throws {
        let bytes = try take(tensor.count * 4)
        guard tensor.count > 0 else { return }
        bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(tensor.pointer).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
        }
    }
}
