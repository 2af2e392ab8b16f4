import Foundation

/// The two namespaces of a remote cache, named as in Bazel's HTTP remote cache protocol.
public enum RemoteNamespace: String, Sendable {
    /// `/cas/<sha256>`: a blob's raw (uncompressed) bytes, named by their SHA-256.
    case cas
    /// `/ac/<stage key>`: a stage result, the canonical JSON of its action record (RemoteAction).
    case ac
}

/// A shared artifact cache: a directory or an HTTP server speaking Bazel's remote cache protocol.
///
/// Mapping: `/cas/<sha256>` holds a blob's raw, uncompressed bytes, so its name is the SHA-256
/// of exactly the bytes stored there, as bazel-remote checks on every PUT, and a blob has the
/// same name in the local store, on every remote and in bundles (the local store compresses;
/// bazel-remote compresses on its own disk). `/ac/<stage key>` holds RemoteAction's JSON of the
/// action record, whose outputs and log name /cas/ entries. Writers upload blobs before the
/// /ac/ entry; readers treat an /ac/ entry with any blob absent as a miss.
///
/// Implementations only move bytes; verifying them (a /cas/ entry must hash to its name) is
/// RemoteCache's job, so no implementation can forget it. Methods are called from several
/// threads at once.
public protocol Remote: Sendable {
    /// Where the remote is, for messages (never with a credential in it).
    var location: String { get }
    /// The entry's bytes, or nil if the remote does not have it.
    func get(_ namespace: RemoteNamespace, _ name: String) throws -> Data?
    /// True if the remote has the entry.
    func has(_ namespace: RemoteNamespace, _ name: String) throws -> Bool
    /// Stores the entry whole: readers see either nothing or all of `data`.
    func put(_ namespace: RemoteNamespace, _ name: String, _ data: Data) throws
    /// Writes the entry's bytes into the file at `file` (created or emptied first) in memory
    /// independent of their size; false, with the file's content unspecified, if the remote
    /// does not have it. A retried attempt restarts or resumes cleanly: the file ends up
    /// holding exactly the entry's bytes.
    func download(_ namespace: RemoteNamespace, _ name: String, to file: URL) throws -> Bool
    /// Stores the bytes of the file at `file` as the entry, streamed, and whole: readers see
    /// either nothing or all of it, even if the upload is interrupted.
    func upload(_ namespace: RemoteNamespace, _ name: String, from file: URL) throws
}
