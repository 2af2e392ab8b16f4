import CZstd

/// Why a zstd call failed, in zstd's own words.
struct ZstdError: Error {
    let message: String
    init(code: Int) { message = String(cString: ZSTD_getErrorName(code)) }
    init(_ message: String) { self.message = message }
}

/// Checks a zstd return code: a size, or an error code in disguise.
@discardableResult
private func check(_ code: Int) throws(ZstdError) -> Int {
    if ZSTD_isError(code) != 0 { throw ZstdError(code: code) }
    return code
}

/// Writes one zstd frame from input handed over in pieces, so a large blob is never held twice.
final class ZstdCompressor {
    private let context: OpaquePointer
    private var output: UnsafeMutableRawBufferPointer

    /// Inputs at least this large are compressed by worker threads: below it, starting the
    /// workers costs more than it saves.
    static let multithreadThreshold: Int64 = 8 << 20

    /// `pledgedSize` is written into the frame header (readers size their buffer from it) and
    /// zstd fails the frame if the input turns out to have another length.
    init(level: Int, pledgedSize: Int64, workers: Int) throws(ZstdError) {
        guard let context = ZSTD_createCCtx() else { throw ZstdError("out of memory") }
        self.context = context
        output = .allocate(byteCount: 1 << 20, alignment: 16)
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level)))
        if pledgedSize >= Self.multithreadThreshold && workers > 0 {
            // Fails harmlessly on a libzstd built without threads; compression stays single-threaded.
            _ = ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(workers))
        }
        try check(ZSTD_CCtx_setPledgedSrcSize(context, UInt64(pledgedSize)))
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    /// Compresses `input`, handing every compressed piece to `sink`; `end` closes the frame.
    func compress(_ input: UnsafeRawBufferPointer, end: Bool,
                  sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let remaining = try check(ZSTD_compressStream2(context, &outBuffer, &inBuffer,
                                                           end ? ZSTD_e_end : ZSTD_e_continue))
            if outBuffer.pos > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<outBuffer.pos])) }
            // Without `end` zstd is done once it took all the input; with `end`, once it has
            // flushed the whole frame (remaining == 0).
            if end ? remaining == 0 : inBuffer.pos == inBuffer.size { return }
        }
    }
}

/// Reads one zstd frame handed over in pieces.
final class ZstdDecompressor {
    private let context: OpaquePointer

    init() throws(ZstdError) {
        guard let context = ZSTD_createDCtx() else { throw ZstdError("out of memory") }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Decodes as much of `input` into `output` as fits; returns true once the frame is complete.
    func decompress(_ input: inout ZSTD_inBuffer, into output: inout ZSTD_outBuffer) throws(ZstdError) -> Bool {
        try check(ZSTD_decompressStream(context, &output, &input)) == 0
    }

    /// The uncompressed size written in a frame header, or nil if the header is not a
    /// zstd frame with a known size. `header` needs at most 18 bytes (ZSTD_FRAMEHEADERSIZE_MAX).
    static func contentSize(ofFrameHeader header: UnsafeRawBufferPointer) -> Int64? {
        let size = ZSTD_getFrameContentSize(header.baseAddress, header.count)
        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest UInt64 values.
        guard size < UInt64.max - 1, size <= UInt64(Int64.max) else { return nil }
        return Int64(size)
    }
}
