import Foundation

/// Where a stage input comes from: an output of another stage, or a file identified by its content.
public enum ArtifactRef: Hashable, Sendable, CustomStringConvertible {
    case output(stage: String, name: String)
    /// An external file; its SHA-256 (not its path or time) enters the key.
    case file(path: String)

    public var description: String {
        switch self {
        case let .output(stage, name): "\(stage):\(name)"
        case let .file(path): "file \(path)"
        }
    }

    /// The stage this input waits for, if any.
    public var upstream: String? {
        if case let .output(stage, _) = self { return stage }
        return nil
    }
}
