import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads MNIST files from mirrors into a cache directory, keeping only verified copies.
public struct MNISTDownloader: Sendable {
    /// Why each mirror failed, in the order tried.
    public struct Failures: Error, Sendable {
        public var reasons: [String]
    }

    public var mirrors: [URL]
    /// Seconds without data before a request is abandoned.
    public var timeout: TimeInterval

    public init(mirrors: [URL], timeout: TimeInterval = 60) {
        self.mirrors = mirrors; self.timeout = timeout
    }

    /// Fetches FILE.gz from each mirror in turn until one has the right bytes, stores it as
    /// `directory`/FILE.gz (temp file + rename, so a crash never leaves a partial copy) and returns
    /// the decompressed contents.
    public func download(_ file: MNISTFile, sha256: String, into directory: URL,
                         log: (String) -> Void = { _ in }) -> Result<[UInt8], Failures> {
        var reasons: [String] = []
        for mirror in mirrors {
            let url = mirror.appendingPathComponent(file.rawValue + ".gz")
            log("downloading \(url.absoluteString)")
            let body: Data
            switch fetch(url) {
            case let .success(data): body = data
            case let .failure(reason):
                reasons.append("\(url.absoluteString): \(reason.message)")
                continue
            }
            let contents: [UInt8]
            do { contents = try MNISTLocator.verified([UInt8](body), file: url.absoluteString, sha256: sha256) } catch {
                reasons.append("\(url.absoluteString): rejected, \(error)")
                continue
            }
            do {
                try store(body, as: directory.appendingPathComponent(file.rawValue + ".gz"))
            } catch {
                // The bytes are good: use them even if they cannot be kept for next time.
                log("could not save \(file.rawValue).gz in \(directory.path): \(error)")
            }
            return .success(contents)
        }
        if mirrors.isEmpty { reasons.append("no mirrors configured (PIPE_MNIST_MIRRORS is empty)") }
        return .failure(Failures(reasons: reasons))
    }

    private struct FetchError: Error { var message: String }
    private struct StoreError: Error, CustomStringConvertible { var description: String }

    /// GET `url` synchronously: the stage API is synchronous.
    private func fetch(_ url: URL) -> Result<Data, FetchError> {
        final class Box: @unchecked Sendable { var result: Result<Data, FetchError> = .failure(FetchError(message: "no response")) }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: url) { data, response, error in
            if let error {
                box.result = .failure(FetchError(message: error.localizedDescription))
            } else if let status = (response as? HTTPURLResponse)?.statusCode, status != 200 {
                box.result = .failure(FetchError(message: "HTTP status \(status)"))
            } else if let data {
                box.result = .success(data)
            }
            done.signal()
        }
        task.resume()
        done.wait()
        return box.result
    }

    private func store(_ data: Data, as destination: URL) throws {
        let directory = destination.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).partial")
        try data.write(to: temporary)
        // rename(2) replaces any existing file atomically.
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw StoreError(description: "rename to \(destination.path) failed: \(reason)")
        }
    }
}
