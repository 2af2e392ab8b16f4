import Foundation

/// One built target under one combination of settings: what `pipe runs` lists. Kept in the store's
/// index beside the actions, so the table of every run needs no database of its own.
public struct RunRecord: Codable, Sendable, Equatable {
    public var target: String
    /// The settings given on the command line (`--set`, a sweep's point), key -> value; settings
    /// left at their defaults are not listed.
    public var settings: [String: String]
    /// The key of the target's stage under those settings.
    public var key: Digest
    public var recorded: Date

    public init(target: String, settings: [String: String], key: Digest, recorded: Date = Date()) {
        self.target = target
        self.settings = settings
        self.key = key
        self.recorded = recorded
    }
}
