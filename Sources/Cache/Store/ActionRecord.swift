import Foundation

/// One finished stage run: what went in (key, params, inputs, code) and which blobs came out.
public struct ActionRecord: Codable, Sendable, Equatable {
    /// The stage key: hash of code, params and input digests; the record's identity.
    public var key: Digest
    /// Instance name, e.g. "teacher.e5".
    public var stage: String
    /// Stage kind name, e.g. "train-teacher".
    public var kind: String
    /// Canonical JSON of the parameters.
    public var params: String
    /// Input name -> artifact digest (need not be a blob in this store, e.g. an external file).
    public var inputs: [String: Digest]
    public var codeDigest: String
    /// Source path -> SHA-256 hex.
    public var codeFiles: [String: String]
    /// Output name -> blob digest; every one is in the store when the record is.
    public var outputs: [String: Digest]
    public var started: Date
    public var finished: Date
    public var host: String
    public var pipeVersion: String
    /// The stage's captured log, as a blob.
    public var log: Digest?

    public init(key: Digest, stage: String, kind: String, params: String, inputs: [String: Digest],
                codeDigest: String, codeFiles: [String: String], outputs: [String: Digest],
                started: Date, finished: Date, host: String, pipeVersion: String, log: Digest?) {
        self.key = key
        self.stage = stage
        self.kind = kind
        self.params = params
        self.inputs = inputs
        self.codeDigest = codeDigest
        self.codeFiles = codeFiles
        self.outputs = outputs
        self.started = started
        self.finished = finished
        self.host = host
        self.pipeVersion = pipeVersion
        self.log = log
    }

    /// Every blob the record names (outputs and log): the blobs gc must keep while it exists.
    public var blobs: [Digest] {
        var all = Array(outputs.values)
        if let log { all.append(log) }
        return all
    }
}
