import Cache
import Foundation

/// What planning may ask of a store: read-only lookups, nothing that runs a stage.
public protocol ResultIndex {
    /// The result stored under `key`, nil when unknown or when any of its blobs is gone.
    func action(for key: Digest) throws -> ActionRecord?
    /// The key each stage instance was last built or confirmed at, by stage name.
    func heads() throws -> [String: Digest]
    /// The newest result recorded for a stage instance (for explaining what changed).
    func lastAction(ofStage stage: String) throws -> ActionRecord?
    /// The digest of an external file's content, or of a directory's tree of files.
    func contentDigest(at path: URL) throws -> Digest
}

extension ArtifactStore: ResultIndex {
    public func lastAction(ofStage stage: String) throws -> ActionRecord? {
        try actions(forStage: stage).first
    }
}
