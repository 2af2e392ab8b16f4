import Foundation
import Pipeline

/// `missing-model`: stands in for a model file that is not there, so that only the targets that need
/// the model fail, with a message saying where it was looked for and how to get it; defining the
/// pipeline, listing it and building everything else keep working.
public struct MissingModel: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var path: String
        /// What to do about it ("run scripts/fetch-smollm2 ...").
        public var hint: String
        public init(path: String, hint: String) { self.path = path; self.hint = hint }
    }

    public static let name = "missing-model"
    public static let summary = "fails: the model file of the Topic B experiments is missing"
    public static var code: CodeFingerprint { sourceFingerprint("LLM/Experiments/MissingModel.swift") }
    public static let outputs = ["model"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        throw StageError.failed("no model file at \(params.path); \(params.hint)")
    }
}
