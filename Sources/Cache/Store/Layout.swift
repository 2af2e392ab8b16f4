import Foundation

/// Paths inside a store, computed once.
struct Layout: Sendable {
    let root, blobs, tmp, locks, quarantine, index: String

    init(root: String) {
        self.root = root
        blobs = root + "/blobs"
        tmp = root + "/tmp"
        locks = root + "/locks"
        quarantine = root + "/quarantine"
        index = root + "/index.sqlite"
    }

    /// `blobs/ab/<hex>.zst`: 256 shards keep directories small enough to list and rename in.
    func blob(_ digest: Digest) -> String { "\(blobs)/\(digest.hex.prefix(2))/\(digest.hex).zst" }

    /// Creates the directories; any failure to do so means the store cannot be written.
    func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw StoreError.notWritable(path: root, reason: Self.reason(error))
        }
        for directory in [blobs, tmp, locks, quarantine] {
            do {
                try POSIX.makeDirectory(directory)
            } catch StoreError.io(_, let path, let code) {
                throw StoreError.notWritable(path: path, reason: String(cString: strerror(code)))
            }
        }
        // The directories may all exist already, in a store we cannot write to.
        if access(root, W_OK) != 0 {
            throw StoreError.notWritable(path: root, reason: String(cString: strerror(errno)))
        }
    }

    private static func reason(_ error: Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }
}
