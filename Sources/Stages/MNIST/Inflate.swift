import CLibz

/// A failure to decompress a gzip (RFC 1952) or raw DEFLATE (RFC 1951) stream.
public enum InflateError: Error, Equatable, CustomStringConvertible, Sendable {
    case notGzip
    case truncated
    case checksumMismatch
    case sizeMismatch
    /// zlib's own word for what is wrong ("invalid block type", "invalid distance too far back").
    case corrupt(String)

    public var description: String {
        switch self {
        case .notGzip: return "not gzip data (bad magic bytes)"
        case .truncated: return "compressed data ends early (truncated file?)"
        case .checksumMismatch: return "gzip CRC-32 mismatch: the data does not match its trailer"
        case .sizeMismatch: return "gzip size mismatch: the data's length does not match its trailer"
        case let .corrupt(reason): return "corrupt compressed data (zlib: \(reason))"
        }
    }
}

/// Gzip and raw DEFLATE decompression, by zlib.
///
/// zlib replaced a hand-written inflater: 1.8x its speed on MNIST's train-images, 410 against 228
/// MB/s of CPU time (best of 7, `.build/release/LibraryBenchmark --rounds 7` at commit ef6a608).
public enum Inflate {
    /// True when `bytes` start with the gzip magic (1f 8b).
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses a gzip file: every member (concatenated gzip streams are one file), each
    /// checked against its CRC-32 and size trailer.
    public static func gunzip(_ bytes: [UInt8]) throws(InflateError) -> [UInt8] {
        guard isGzip(bytes) else { throw .notGzip }
        // The last member's trailer holds its size mod 2^32: the output's size for one member.
        let n = bytes.count
        let trailerSize = n >= 4 ? Int(UInt32(bytes[n - 4]) | UInt32(bytes[n - 3]) << 8
                                       | UInt32(bytes[n - 2]) << 16 | UInt32(bytes[n - 1]) << 24) : 0
        return try decompress(bytes[...], gzip: true, sizeHint: trailerSize)
    }

    /// Decompresses a raw DEFLATE stream (no gzip or zlib wrapper); `sizeHint` is the size it is
    /// expected to have (a ZIP directory's), which saves copies when right.
    public static func inflate(_ bytes: ArraySlice<UInt8>, sizeHint: Int = 0) throws(InflateError) -> [UInt8] {
        try decompress(bytes, gzip: false, sizeHint: sizeHint)
    }

    /// Runs zlib over `input` into arrays of uninitialized memory, the first of `sizeHint` bytes
    /// (bounded by DEFLATE's ratio of at most 1032:1, since a damaged trailer can claim anything):
    /// with a right hint the output is written once, in place.
    private static func decompress(_ input: ArraySlice<UInt8>, gzip: Bool, sizeHint: Int) throws(InflateError) -> [UInt8] {
        // zlib keeps a pointer back to its z_stream and checks it: the stream must not move.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard inflateInit2_(stream, gzip ? 16 + MAX_WBITS : -MAX_WBITS, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("cannot start an inflate stream (out of memory)")
        }
        defer { inflateEnd(stream) }
        var failure: InflateError?
        var finished = false
        var chunks: [[UInt8]] = []
        var produced = 0
        var chunkSize = max(1 << 16, min(sizeHint, input.count * 1032 + 1024))
        input.withUnsafeBufferPointer { input in
            var consumed = 0
            while !finished && failure == nil {
                let chunk = [UInt8](unsafeUninitializedCapacity: chunkSize) { output, written in
                    while written < output.count, !finished, failure == nil {
                        // zlib counts in 32 bits: give it at most 1 GiB of input or output per call.
                        let inputLeft = UInt32(min(input.count - consumed, 1 << 30))
                        let outputLeft = UInt32(min(output.count - written, 1 << 30))
                        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                        stream.pointee.avail_in = inputLeft
                        stream.pointee.next_out = output.baseAddress! + written
                        stream.pointee.avail_out = outputLeft
                        let status = CLibz.inflate(stream, Z_NO_FLUSH)
                        consumed += Int(inputLeft - stream.pointee.avail_in)
                        written += Int(outputLeft - stream.pointee.avail_out)
                        switch status {
                        case Z_STREAM_END:
                            guard gzip else { finished = true; break }
                            // Another member may follow; some writers pad the file with zeros.
                            while consumed < input.count, input[consumed] == 0 { consumed += 1 }
                            if consumed == input.count { finished = true } else { inflateReset(stream) }
                        case Z_OK, Z_BUF_ERROR:
                            if stream.pointee.avail_out == 0 { break }
                            if consumed == input.count { failure = .truncated }
                            else if status == Z_BUF_ERROR { failure = .corrupt("no progress") }
                        case Z_DATA_ERROR:
                            failure = describe(stream.pointee.msg.map { String(cString: $0) } ?? "invalid data")
                        case Z_MEM_ERROR: failure = .corrupt("out of memory")
                        default: failure = .corrupt("error \(status)")
                        }
                    }
                }
                produced += chunk.count
                if !chunk.isEmpty { chunks.append(chunk) }
                chunkSize = max(1 << 20, produced)
            }
        }
        if let failure { throw failure }
        return chunks.count == 1 ? chunks[0] : Array(chunks.joined())
    }

    /// zlib's messages for the gzip trailer checks, as the cases callers test for.
    private static func describe(_ message: String) -> InflateError {
        switch message {
        case "incorrect data check": return .checksumMismatch
        case "incorrect length check": return .sizeMismatch
        default: return .corrupt(message)
        }
    }
}
