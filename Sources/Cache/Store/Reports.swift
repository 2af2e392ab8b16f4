/// What `ArtifactStore.verify` found.
public struct VerifyReport: Sendable, Equatable {
    /// Blob files re-hashed.
    public var checked: Int
    /// Blobs whose bytes did not match their digest (or did not decode); now in quarantine/.
    public var corrupt: [Digest]
    /// Blobs the index listed but whose file was absent; their rows are dropped.
    public var missing: [Digest]
    /// Uncompressed bytes hashed.
    public var bytes: Int64
}

/// What `ArtifactStore.gc` removed (or, on a dry run, would remove) and kept.
public struct GCReport: Sendable, Equatable {
    public var removedBlobs: Int
    /// Bytes on disk (compressed) freed by the removed blobs.
    public var removedBytes: Int64
    /// Least-recently-used actions dropped to fit `keepBytes`.
    public var removedActions: Int
    public var keptBlobs: Int
    /// Bytes on disk (compressed) of the blobs kept.
    public var keptBytes: Int64
    /// Leftover temp files of killed writers swept from tmp/.
    public var removedTempFiles: Int
    /// Blobs no result names yet that were kept because they were written (or put again)
    /// within the grace period: a running stage may be about to record them. Counted in kept.
    public var recentBlobs: Int = 0
}
