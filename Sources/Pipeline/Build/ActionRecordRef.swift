import Cache

/// A stored stage result as the build reports it: its key and its outputs' digests.
public struct ActionRecordRef: Sendable, Equatable {
    public let key: Digest
    public let outputs: [String: Digest]
}
