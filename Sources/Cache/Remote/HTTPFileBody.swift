import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An HTTP request's body read from a file, one chunk per write, the next read only once the
/// previous chunk is on its way (bounded memory whatever the file's size).
struct HTTPFileBody {
    let path: String
    static let chunk = 1 << 20

    /// A new stream of the file (each attempt of a request reads it from its start).
    func body(on loop: EventLoop) throws -> HTTPClient.Body {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HTTPFileError("open", path) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            close(fd)
            throw HTTPFileError("stat", path, errno: code)
        }
        let size = Int64(status.st_size)
        let path = self.path
        let file = FileDescriptorBox(fd)
        return .stream(contentLength: size) { writer in
            @Sendable func send(from offset: Int64) -> EventLoopFuture<Void> {
                guard offset < size else { return loop.makeSucceededVoidFuture() }
                var buffer = ByteBufferAllocator().buffer(capacity: Self.chunk)
                var count = 0
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.chunk) {
                    count = pread(file.fd, $0.baseAddress, min(Self.chunk, Int(size - offset)), off_t(offset))
                    return max(count, 0)
                }
                guard count > 0 else {
                    let failure = count == 0 ? HTTPFileError(.fileChangedWhileStoring(path: path)) : HTTPFileError("read", path)
                    return loop.makeFailedFuture(failure)
                }
                return writer.write(.byteBuffer(buffer)).flatMap { send(from: offset + Int64(count)) }
            }
            return send(from: 0)
        }
    }
}

/// Closes its descriptor when the last body stream holding it is gone.
final class FileDescriptorBox: Sendable {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}
