import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A local file failed during an HTTP transfer: reported as that StoreError, never retried
/// as if the network had failed.
struct HTTPFileError: Error {
    let error: StoreError

    /// An I/O error of `operation` on `path`, from `errno`.
    init(_ operation: String, _ path: String, errno code: Int32 = errno) {
        error = .io(operation: operation, path: path, errno: code)
    }

    init(_ error: StoreError) { self.error = error }
}

/// Where an HTTP response's body goes. Called on one event loop, one attempt at a time.
protocol ResponseSink: AnyObject, Sendable {
    /// Adds this attempt's request headers (a resumed download's Range).
    func prepare(_ headers: inout HTTPHeaders)
    /// The status is known: get ready for the body (kept only for statuses worth keeping).
    func begin(_ head: HTTPResponseHead) throws
    /// A piece of the body, in order.
    func write(_ buffer: ByteBuffer) throws
    /// True if a response with `status` calls for another attempt (beyond 5xx).
    func retries(_ status: Int) -> Bool
}

/// Keeps a 200 response's body in memory (small /ac/ entries).
final class MemorySink: ResponseSink, @unchecked Sendable {
    private(set) var data = Data()
    private var keeping = false

    func prepare(_ headers: inout HTTPHeaders) {}
    func begin(_ head: HTTPResponseHead) throws {
        data = Data()
        keeping = head.status.code == 200
    }
    func write(_ buffer: ByteBuffer) throws {
        if keeping { data.append(contentsOf: buffer.readableBytesView) }
    }
    func retries(_ status: Int) -> Bool { false }
}

/// Writes a 200 (or, resuming, 206) response's body into a file, so memory does not grow
/// with it. After a lost connection the next attempt asks for the bytes from where this one
/// stopped; a server answering 200 instead sends it all, and the file starts over.
final class FileSink: ResponseSink, @unchecked Sendable {
    let path: String
    private let fd: Int32
    /// Bytes of the body in the file so far.
    private(set) var written: Int64 = 0
    private var resumingFrom: Int64 = 0
    private var keeping = false

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HTTPFileError("open", path) }
    }

    deinit { close(fd) }

    func prepare(_ headers: inout HTTPHeaders) {
        resumingFrom = written
        if written > 0 { headers.replaceOrAdd(name: "Range", value: "bytes=\(written)-") }
    }

    func begin(_ head: HTTPResponseHead) throws {
        keeping = false
        switch head.status.code {
        case 206 where resumingFrom > 0:
            // Only the rest, exactly from where the file ends, is appended.
            let range = head.headers.first(name: "Content-Range") ?? ""
            guard range.hasPrefix("bytes \(resumingFrom)-") else { try restart(); return }
            keeping = true
        case 200:
            try restart()
            keeping = true
        case 416:
            // The Range asked past the entry's end: it changed. Start over next attempt.
            try restart()
        default:
            break
        }
    }

    func write(_ buffer: ByteBuffer) throws {
        guard keeping else { return }
        try buffer.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HTTPFileError("write", path)
                }
                offset += n
            }
        }
        written += Int64(buffer.readableBytes)
    }

    /// 416: what the file holds is not a prefix of the entry; the next attempt starts over.
    func retries(_ status: Int) -> Bool { status == 416 && resumingFrom > 0 }

    private func restart() throws {
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw HTTPFileError("truncate", path)
        }
        written = 0
    }
}

/// Hands a response to its sink; the request's result is the status.
final class ResponseDelegate<Sink: ResponseSink>: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Int
    let sink: Sink
    private var status = 0

    init(sink: Sink) { self.sink = sink }

    func didReceiveHead(task: HTTPClient.Task<Int>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        do { try sink.begin(head) } catch { return task.eventLoop.makeFailedFuture(error) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Int>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        // Written before returning: the event loop reads no more until the disk has this.
        do { try sink.write(buffer) } catch { return task.eventLoop.makeFailedFuture(error) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Int>) throws -> Int { status }
}
