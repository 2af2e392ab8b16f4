import CZstd
import Foundation

/// One-shot zstd of whole buffers (bundles), on top of the streaming ZstdCompressor/Decompressor.
enum ZstdFrame {
    static func compress(_ data: Data, level: Int = 3) throws -> Data {
        let compressor = try ZstdCompressor(level: level, pledgedSize: Int64(data.count), workers: 0)
        var out = Data()
        try data.withUnsafeBytes { bytes in
            try compressor.compress(bytes, end: true) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// The content of one frame whose header declares its size; throws ZstdError otherwise.
    static func decompress(_ frame: Data) throws -> Data {
        try frame.withUnsafeBytes { input -> Data in
            guard let size = ZstdDecompressor.contentSize(ofFrameHeader: UnsafeRawBufferPointer(rebasing: input.prefix(18))),
                  size < Int64(Int.max) else {
                throw ZstdError("no zstd frame header with a content size")
            }
            var out = Data(count: Int(size))
            let decompressor = try ZstdDecompressor()
            var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            var done = false
            try out.withUnsafeMutableBytes { output in
                var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
                while !done {
                    let before = (inBuffer.pos, outBuffer.pos)
                    done = try decompressor.decompress(&inBuffer, into: &outBuffer)
                    if !done && before == (inBuffer.pos, outBuffer.pos) { throw ZstdError("truncated frame") }
                }
                guard outBuffer.pos == output.count else { throw ZstdError("shorter than its header says") }
            }
            return out
        }
    }
}
