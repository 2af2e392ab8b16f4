import Foundation

/// Everything the artifact store can fail with; each message says what failed, where, and the fix.
public enum StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The store directory (or something under it) cannot be created or written.
    case notWritable(path: String, reason: String)
    /// The index was written by a newer pipe whose format this one does not know.
    case newerIndexFormat(path: String, found: Int, supported: Int)
    /// A blob failed its hash check or could not be decoded; it has been moved to quarantine/.
    case corruptBlob(digest: Digest, path: String)
    /// No blob with this digest is in the store.
    case blobNotFound(digest: Digest, path: String)
    /// `record` was given an action naming a blob (output or log) that is not in the store.
    case actionNamesMissingBlob(key: Digest, name: String, digest: Digest)
    /// A file changed size while it was being stored.
    case fileChangedWhileStoring(path: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The SQLite index failed.
    case index(path: String, message: String)

    public var description: String {
        switch self {
        case let .notWritable(path, reason):
            return "the artifact store at \(path) is not writable (\(reason)); "
                + "fix its permissions or pass another --store directory"
        case let .newerIndexFormat(path, found, supported):
            return "the store index \(path) was written by a newer pipe (found v\(found), "
                + "this pipe supports v\(supported)); upgrade pipe or use another --store"
        case let .corruptBlob(digest, path):
            return "blob \(digest.short) at \(path) is corrupt; it was moved to quarantine/ "
                + "and the stages that produced it will be recomputed"
        case let .blobNotFound(digest, path):
            return "blob \(digest.short) is not in the store (no \(path)); "
                + "rerun the stage that produces it"
        case let .actionNamesMissingBlob(key, name, digest):
            return "cannot record action \(key.short): its \(name) blob \(digest.short) is not in the store; "
                + "put() every output before record() (a concurrent gc may have removed it: rerun)"
        case let .fileChangedWhileStoring(path):
            return "\(path) changed while it was being stored; rerun once nothing writes to it"
        case let .io(operation, path, code):
            let fix = code == ENOSPC || code == EDQUOT
                ? "; free space on that disk (`pipe gc --keep-size`) or pass another --store" : ""
            return "could not \(operation) \(path): \(String(cString: strerror(code)))\(fix)"
        case let .index(path, message):
            return "the store index \(path) failed: \(message); it is a cache: "
                + "move it aside (or delete it) and pipe will start a fresh one"
        }
    }
}
