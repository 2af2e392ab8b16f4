import Cache
import Foundation

/// A shared cache the builder consults when a stage's result is missing locally, and tells
/// about each stage it built (read through, write through). The Planner never sees it.
public protocol RemoteResults: Sendable {
    /// Copies the result of `key` into the local store and returns it; nil on a miss (no
    /// entry, or not all of its blobs). Throwing is a miss too: the builder warns and runs the stage.
    func fetch(key: Digest) throws -> ActionRecord?
    /// `record` was just built and stored locally (pushed when writing through).
    func built(_ record: ActionRecord) throws
    /// `record` was found in the local store: when writing through, pushed if the remote lacks
    /// it, so a build killed between storing and pushing a result still shares it next time.
    func found(_ record: ActionRecord) throws
}

extension RemoteCache: RemoteResults {
    public func fetch(key: Digest) throws -> ActionRecord? { try pull(key: key) }

    public func built(_ record: ActionRecord) throws {
        if pushesBuilds { try push(record) }
    }

    public func found(_ record: ActionRecord) throws {
        if pushesBuilds, try !remoteHasResult(key: record.key) { try push(record) }
    }
}
