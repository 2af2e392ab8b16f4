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
        let (status, data) = try send("GET", url(namespace, name), body: nil)
        switch status {
        case 200: return data
        case 404: return nil
        default: throw RemoteError.httpStatus(url: display(namespace, name), status: status, attempts: 1)
        }
    }

    public func has(_ namespace: RemoteNamespace, _ name: String) throws -> Bool {
        let (status, _) = try send("HEAD", url(namespace, name), body: nil)
        switch status {
        case 200: return true
        case 404: return false
        default: throw RemoteError.httpStatus(url: display(namespace, name), status: status, attempts: 1)
        }
    }

    public func put(_ namespace: RemoteNamespace, _ name: String, _ data: Data) throws {
        let (status, _) = try send("PUT", url(namespace, name), body: data)
        guard (200..<300).contains(status) else {
            throw RemoteError.httpStatus(url: display(namespace, name), status: status, attempts: 1)
        }
    }

    private func display(_ namespace: RemoteNamespace, _ name: String) -> String {
        "\(location)/\(namespace.rawValue)/\(name)"
    }

    /// One request, retried on 5xx and connection errors; returns the final status and body.
    private func send(_ method: String, _ url: URL, body: Data?) throws -> (Int, Data) {
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
            if let body {
                request.httpBody = body
                request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            }
            switch exchange(request) {
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

    private func exchange(_ request: URLRequest) -> Result<(Int, Data), Error> {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<(Int, Data), Error> = .failure(URLError(.unknown))
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                result = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                result = .success((http.statusCode, data ?? Data()))
            } else {
                result = .failure(URLError(.badServerResponse))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        return result
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
