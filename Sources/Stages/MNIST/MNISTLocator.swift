import Cache
import Foundation

/// Finds the MNIST files: $PIPE_MNIST_DIR, then the per-user cache, then the mirrors (into the cache).
///
/// Where a file was found never changes a result: every copy is checked against its SHA-256
/// before use, so this may read the environment although stages otherwise must not.
public struct MNISTLocator: Sendable {
    /// A directory the user points at (env PIPE_MNIST_DIR), or nil.
    public var userDirectory: URL?
    /// Where downloads are kept: $XDG_CACHE_HOME/pipe/mnist, else ~/.cache/pipe/mnist.
    public var cacheDirectory: URL
    /// Base URLs tried in order (env PIPE_MNIST_MIRRORS, comma-separated), each holding FILE.gz.
    public var mirrors: [URL]

    public static let defaultMirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]

    public init(userDirectory: URL?, cacheDirectory: URL, mirrors: [URL]) {
        self.userDirectory = userDirectory; self.cacheDirectory = cacheDirectory; self.mirrors = mirrors
    }

    /// The locator the environment describes (PIPE_MNIST_DIR, XDG_CACHE_HOME, HOME, PIPE_MNIST_MIRRORS).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let nonEmpty = { (key: String) in environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        userDirectory = nonEmpty("PIPE_MNIST_DIR").map { URL(fileURLWithPath: $0, isDirectory: true) }
        let cacheRoot = nonEmpty("XDG_CACHE_HOME").map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? URL(fileURLWithPath: nonEmpty("HOME") ?? NSHomeDirectory(), isDirectory: true)
                .appendingPathComponent(".cache", isDirectory: true)
        cacheDirectory = cacheRoot.appendingPathComponent("pipe/mnist", isDirectory: true)
        let list = nonEmpty("PIPE_MNIST_MIRRORS").map { $0.split(separator: ",").map(String.init) } ?? Self.defaultMirrors
        mirrors = list.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { text in
            URL(string: text.hasSuffix("/") ? text : text + "/")
        }
    }

    /// The decompressed, verified bytes of `file`, from wherever a good copy is.
    public func contents(of file: MNISTFile, sha256: String, log: (String) -> Void = { _ in }) throws -> [UInt8] {
        var searched: [String] = []
        if let directory = userDirectory {
            // A directory the user named is used as it is: a bad copy there is an error, not skipped.
            if let path = Self.existingCopy(of: file, in: directory) {
                return try Self.verifiedContents(ofFileAt: path, sha256: sha256)
            }
            searched.append("PIPE_MNIST_DIR=\(directory.path) (no \(file.rawValue) or \(file.rawValue).gz)")
        } else {
            searched.append("PIPE_MNIST_DIR (not set)")
        }
        if let path = Self.existingCopy(of: file, in: cacheDirectory) {
            do { return try Self.verifiedContents(ofFileAt: path, sha256: sha256) } catch {
                // A damaged download is replaced by a fresh one.
                log("discarding bad cached copy \(path.path): \(error)")
                try? FileManager.default.removeItem(at: path)
            }
        }
        searched.append("the cache \(cacheDirectory.path)")
        let downloader = MNISTDownloader(mirrors: mirrors)
        switch downloader.download(file, sha256: sha256, into: cacheDirectory, log: log) {
        case let .success(bytes): return bytes
        case let .failure(failures):
            throw MNISTError.notFound(file: file.rawValue, searched: searched,
                                      downloadFailures: failures.reasons, cacheDirectory: cacheDirectory.path)
        }
    }

    /// FILE or FILE.gz in `directory`, whichever exists (raw first).
    static func existingCopy(of file: MNISTFile, in directory: URL) -> URL? {
        for name in [file.rawValue, file.rawValue + ".gz"] {
            let url = directory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return url
            }
        }
        return nil
    }

    /// Reads, decompresses (if gzip) and checks the SHA-256 of the file at `url`.
    public static func verifiedContents(ofFileAt url: URL, sha256: String) throws -> [UInt8] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw MNISTError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try verified([UInt8](data), file: url.path, sha256: sha256)
    }

    /// Decompresses (if gzip) `bytes` and checks their SHA-256; `file` names errors.
    public static func verified(_ bytes: [UInt8], file: String, sha256: String) throws -> [UInt8] {
        let contents = try IDXFile.decompressed(bytes, file: file)
        let actual = Digest.of(Data(contents)).hex
        guard actual == sha256.lowercased() else {
            throw MNISTError.hashMismatch(file: file, expected: sha256.lowercased(), actual: actual)
        }
        return contents
    }
}
