import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A remote cache on an HTTP(S) server speaking Bazel's HTTP remote cache protocol:
/// `GET/HEAD/PUT <base>/cas/<sha256>` and `<base>/ac/<key>` (bazel-remote, nginx with WebDAV PUT).
///
/// 404 means absent. 5xx answers and connection errors are retried with exponential backoff, at
/// most `attempts` times in all; anything else fails at once. Credentials (RemoteCredentials)
/// go in an Authorization header and never into messages.
public final class HTTPRemote: Remote, @unchecked Sendable {
    public let base: URL
    public let location: String
    let attempts: Int
    let credentials: RemoteCredentials?
    private let session: URLSession

    /// `attempts` bounds the tries per request; `timeout` bounds each try, in seconds.
    public init(base: URL, attempts: Int = 4, timeout: TimeInterval = 60,
                credentials: RemoteCredentials? = RemoteCredentials.find(for: nil)) {
        // No trailing slash, so paths join as <base>/cas/<hex>.
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        self.base = URL(string: text) ?? base
        self.attempts = max(1, attempts)
        self.credentials = credentials ?? RemoteCredentials.find(for: self.base)
        location = RemoteCredentials.redacted(self.base)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = max(timeout, 600)
        configuration.httpMaximumConnectionsPerHost = 8
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    func url(_ namespace: RemoteNamespace, _ name: String) -> URL {
        base.appendingPathComponent(namespace.rawValue).appendingPathComponent(name)
    }

    public func get(_ namespace: RemoteNamespace, _ name: String) throws -> Data? {
        let (status, data) = try send("GET", url(namespace, name), body: .none, into: .memory)
        switch status {
        case 200: return data
        case 404: return nil
        default: throw RemoteError.httpStatus(url: display(namespace, name), status: status, attempts: 1)
        }
    }

    public func has(_ namespace: RemoteNamespace, _ name: String) throws -> Bool {
        let (status, _) = try send("HEAD", url(namespace, name), body: .none, into: .memory)
        switch status {
        case 200: return true
        case 404: return false
        default: throw RemoteError.httpStatus(url: display(namespace, name), status: status, attempts: 1)
        }
    }

    public func put(_ namespace: RemoteNamespace, _ name: String, _ data: Data) throws {
        let (status, _) = try send("PUT", url(namespace, name), body: .data(data), into: .memory)
        guard (200..<300).contains(status) else {
            throw RemoteError.httpStatus(url: display(namespace, name), status: status, attempts: 1)
        }
    }

    /// A download task: the body goes to a temp file as it arrives and is renamed over `file`
    /// once complete, so a retry after a lost connection starts afresh and `file` never holds
    /// a mix of two attempts.
    public func download(_ namespace: RemoteNamespace, _ name: String, to file: URL) throws -> Bool {
        let (status, _) = try send("GET", url(namespace, name), body: .none, into: .file(file))
        switch status {
        case 200: return true
        case 404: return false
        default: throw RemoteError.httpStatus(url: display(namespace, name), status: status, attempts: 1)
        }
    }

    /// An upload task reading `file` as it sends. The server stores the body only once it has
    /// all of it (nginx writes a PUT to a temp file and renames it; bazel-remote checks the
    /// hash), so a lost connection leaves no entry, and the retry sends the file again.
    public func upload(_ namespace: RemoteNamespace, _ name: String, from file: URL) throws {
        let (status, _) = try send("PUT", url(namespace, name), body: .file(file), into: .memory)
        guard (200..<300).contains(status) else {
            throw RemoteError.httpStatus(url: display(namespace, name), status: status, attempts: 1)
        }
    }

    private func display(_ namespace: RemoteNamespace, _ name: String) -> String {
        "\(location)/\(namespace.rawValue)/\(name)"
    }

    /// What a request sends.
    private enum Body {
        case none
        case data(Data)
        case file(URL)
    }

    /// Where a response's body goes: returned in memory, or into a file (then not returned).
    private enum Destination {
        case memory
        case file(URL)
    }

    /// One request, retried on 5xx and connection errors; returns the final status and body.
    private func send(_ method: String, _ url: URL, body: Body, into destination: Destination) throws -> (Int, Data) {
        let shown = RemoteCredentials.redacted(url)
        var lastReason = ""
        var lastStatus = 0
        for attempt in 1...attempts {
            if attempt > 1 {
                // 0.1 s, 0.2 s, 0.4 s ... (capped at 5 s), with jitter so racing clients spread out.
                let delay = min(5.0, 0.1 * pow(2.0, Double(attempt - 2))) * Double.random(in: 0.75...1.25)
                Thread.sleep(forTimeInterval: delay)
            }
            var request = URLRequest(url: url)
            request.httpMethod = method
            if let header = credentials?.header { request.setValue(header, forHTTPHeaderField: "Authorization") }
            switch body {
            case .none: break
            case let .data(data):
                request.httpBody = data
                request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            case .file:
                request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            }
            switch exchange(request, body: body, into: destination) {
            case let .success((status, data)):
                if (500..<600).contains(status) {
                    lastStatus = status
                    continue
                }
                return (status, data)
            case let .failure(error):
                lastStatus = 0
                lastReason = Self.reason(error)
            }
        }
        if lastStatus != 0 { throw RemoteError.httpStatus(url: shown, status: lastStatus, attempts: attempts) }
        throw RemoteError.unreachable(url: shown, reason: lastReason, attempts: attempts)
    }

    /// One attempt. Uploads from a file and downloads to one use URLSession's file tasks,
    /// which move the body through the disk in pieces (memory does not grow with its size);
    /// data tasks would hold it whole, and a data delegate gets pieces with no back-pressure.
    private func exchange(_ request: URLRequest, body: Body, into destination: Destination) -> Result<(Int, Data), Error> {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<(Int, Data), Error> = .failure(URLError(.unknown))
        let task: URLSessionTask
        switch (body, destination) {
        case let (.file(source), _):
            task = session.uploadTask(with: request, fromFile: source) { data, response, error in
                result = Self.outcome(response, error, data)
                done.signal()
            }
        case let (_, .file(target)):
            task = session.downloadTask(with: request) { location, response, error in
                result = Self.outcome(response, error, nil)
                if case .success((200, _)) = result, let location {
                    // The task's file is the whole body: put it in place (same file system
                    // here: a rename; else a copy), or fail this attempt.
                    do { try Self.replace(target, with: location) } catch { result = .failure(error) }
                } else if let location {
                    try? FileManager.default.removeItem(at: location)
                }
                done.signal()
            }
        default:
            task = session.dataTask(with: request) { data, response, error in
                result = Self.outcome(response, error, data)
                done.signal()
            }
        }
        task.resume()
        done.wait()
        return result
    }

    private static func outcome(_ response: URLResponse?, _ error: Error?, _ data: Data?) -> Result<(Int, Data), Error> {
        if let error { return .failure(error) }
        guard let http = response as? HTTPURLResponse else { return .failure(URLError(.badServerResponse)) }
        return .success((http.statusCode, data ?? Data()))
    }

    /// Moves the file at `source` over `target` (a rename, or a copy across file systems).
    private static func replace(_ target: URL, with source: URL) throws {
        if rename(source.path, target.path) == 0 { return }
        guard errno == EXDEV else { throw StoreError.io(operation: "rename \(source.path) to", path: target.path, errno: errno) }
        _ = try? FileManager.default.removeItem(at: target)
        try FileManager.default.moveItem(at: source, to: target)
    }

    private static func reason(_ error: Error) -> String {
        if let error = error as? URLError {
            switch error.code {
            case .cannotConnectToHost: return "connection refused"
            case .timedOut: return "timed out"
            case .cannotFindHost, .dnsLookupFailed: return "unknown host"
            case .networkConnectionLost: return "connection lost"
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate:
                return "TLS handshake failed"
            default: return error.localizedDescription
            }
        }
        return "\(error)"
    }
}
