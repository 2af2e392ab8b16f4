import Foundation

/// A kind of stage: code that turns typed parameters and input artifacts into named outputs.
///
/// The engine keys every run of a kind by its name, its parameters, the digests of its inputs and
/// its code fingerprint, so `run` must be a deterministic function of exactly those. It must not
/// read anything else that changes its result (clock, unseeded randomness, environment), and it
/// knows nothing of the cache: it reads inputs and writes outputs through its context.
public protocol StageKind: Sendable {
    associatedtype Params: Codable & Sendable
    /// Stable name, part of every key of this kind ("train-teacher").
    static var name: String { get }
    /// One line for `pipe list`.
    static var summary: String { get }
    /// The source files that implement this kind, as compiled (see CodeFingerprint).
    static var code: CodeFingerprint { get }
    /// The outputs every run writes; the engine fails a run that misses one.
    static var outputs: [String] { get }
    /// The outputs that are metrics: JSON objects of named numbers (nested objects give dotted
    /// names, `{"teacher": {"mean": 94.3}}` is `teacher.mean`), shown by `pipe sweep` and `pipe runs`.
    static var metrics: [String] { get }
    /// What a run needs on a cluster (cpus, memory, time, gpus), or that it runs on the coordinator.
    static var resources: StageResources { get }
    static func run(_ params: Params, _ context: StageContext) throws
}

extension StageKind {
    /// One core, the partition's default memory and time limit.
    public static var resources: StageResources { .standard }

    /// No metrics.
    public static var metrics: [String] { [] }
}
