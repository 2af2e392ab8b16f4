import CZstd
import Foundation

/// Why a blob file is not the blob it is named after (damaged frame or wrong bytes).
struct BlobDefect: Error {
    let reason: String
}

/// An open blob file (`blobs/ab/<hex>.zst`), read as one zstd frame checked against its name.
final class BlobFile {
    let path: String
    private let fd: Int32

    /// Opens the blob at `path`; nil if there is none.
    init?(path: String) throws {
        do {
            fd = try POSIX.openFile(path, O_RDONLY)
        } catch StoreError.io(_, _, ENOENT) {
            return nil
        }
        self.path = path
    }

    deinit { close(fd) }

    /// Bytes on disk.
    func storedSize() throws -> Int64 { Int64(try POSIX.fileStatus(fd, path: path).st_size) }

    /// The uncompressed size, from the frame header (every frame the store writes has one).
    func contentSize() throws -> Int64 {
        var header = [UInt8](repeating: 0, count: 18)   // ZSTD_FRAMEHEADERSIZE_MAX
        let count = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { throw StoreError.io(operation: "read", path: path, errno: errno) }
        let size = header.withUnsafeBytes { ZstdDecompressor.contentSize(ofFrameHeader: .init(rebasing: $0[..<count])) }
        guard let size else { throw BlobDefect(reason: "no zstd frame header with a content size") }
        return size
    }

    /// Decodes the whole frame, hashing as it goes, and throws `BlobDefect` unless it is
    /// exactly `contentSize` bytes hashing to `digest`. The bytes go into `destination` if
    /// given (exactly `contentSize` long), else through a small window; `sink` sees each
    /// decoded piece either way, before the hash is known to be right.
    func decode(expecting digest: Digest, contentSize: Int64, into destination: UnsafeMutableRawBufferPointer? = nil,
                sink: (UnsafeRawBufferPointer) throws -> Void = { _ in }) throws {
        let chunk = 1 << 20
        let inputBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { inputBuffer.deallocate() }
        let window = destination == nil
            ? UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, min(chunk, Int(contentSize))), alignment: 16)
            : nil
        defer { window?.deallocate() }
        let outputBuffer = destination ?? window!

        let decompressor: ZstdDecompressor
        do { decompressor = try ZstdDecompressor() } catch { throw StoreError.io(operation: "decompress", path: path, errno: ENOMEM) }
        var input = ZSTD_inBuffer(src: inputBuffer.baseAddress, size: 0, pos: 0)
        var output = ZSTD_outBuffer(dst: outputBuffer.baseAddress, size: outputBuffer.count, pos: 0)
        var hasher = DigestHasher()
        var produced: Int64 = 0
        var atEnd = false
        var frameDone = false
        while !frameDone {
            if input.pos == input.size && !atEnd {
                let count = try POSIX.readSome(fd, into: inputBuffer, path: path)
                atEnd = count == 0
                input.size = count
                input.pos = 0
            }
            if input.pos == input.size && atEnd { throw BlobDefect(reason: "truncated: the zstd frame ends early") }
            let (inputBefore, outputBefore) = (input.pos, output.pos)
            do {
                frameDone = try decompressor.decompress(&input, into: &output)
            } catch {
                throw BlobDefect(reason: "not a valid zstd frame (\(error.message))")
            }
            let piece = UnsafeRawBufferPointer(rebasing: outputBuffer[outputBefore..<output.pos])
            produced += Int64(piece.count)
            guard produced <= contentSize else { throw BlobDefect(reason: "longer than its frame header says") }
            hasher.update(piece)
            try sink(piece)
            // Stuck: the frame wants room beyond the size its header declared.
            if !frameDone && piece.isEmpty && input.pos == inputBefore && input.pos < input.size {
                throw BlobDefect(reason: "longer than its frame header says")
            }
            if window != nil && output.pos == output.size { output.pos = 0 }
        }
        guard produced == contentSize else { throw BlobDefect(reason: "shorter than its frame header says") }
        var probe: UInt8 = 0
        let trailing = try input.pos < input.size
            || withUnsafeMutableBytes(of: &probe) { try POSIX.readSome(fd, into: $0, path: path) } > 0
        guard !trailing else { throw BlobDefect(reason: "has bytes after its zstd frame") }
        let actual = hasher.finalize()
        guard actual == digest else { throw BlobDefect(reason: "its bytes hash to \(actual.short)") }
    }
}
