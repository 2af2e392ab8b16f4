import Cache
import Foundation

/// The content key of one stage run.
///
/// SHA-256 of the canonical JSON of: the engine's key format version, the stage kind's name, its
/// parameters, the DIGESTS of its input artifacts (not upstream keys: an upstream rerun that
/// yields the same bytes leaves this key unchanged, which is early cutoff) and the digest of the
/// code that implements the kind. The stage's instance name is deliberately left out, so two
/// experiments that define the same computation under different names share one result.
public enum StageKey {
    /// Bump when the meaning of a key changes (what it hashes, or how artifacts are encoded).
    public static let formatVersion = 1

    public static func compute(kind: String, params: String, inputs: [String: Digest],
                               codeDigest: String) -> Digest {
        // `params` is already canonical JSON, so the document is assembled as text, keys in
        // sorted order, exactly as JSONValue.canonical would write it.
        var text = "{\"code\":"
        CanonicalJSON.quote(codeDigest, into: &text)
        text += ",\"engine\":\(formatVersion),\"inputs\":"
        text += JSONValue.object(inputs.mapValues { .string($0.hex) }).canonical
        text += ",\"kind\":"
        CanonicalJSON.quote(kind, into: &text)
        text += ",\"params\":" + params + "}"
        return Digest.of(Data(text.utf8))
    }

    public static func compute(_ stage: Stage, inputs: [String: Digest]) -> Digest {
        compute(kind: stage.kind, params: stage.params, inputs: inputs, codeDigest: stage.code.digest)
    }
}
