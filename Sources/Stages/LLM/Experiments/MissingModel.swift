import Foundation
import Pipeline

/// `missing-model`: stands in for a model file that is not there (or not configured), so that only the targets that need
/// the model fail, with a message saying where it was looked for and how to get it; defining the
/// pipeline, listing it and building everything else keep working.
public struct MissingModel: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        /// Where the model was looked for; empty when no path is configured.
        public var path: String
        /// What to do about it ("run scripts/fetch-smollm2 ...").
        public var hint: String
        /// The setting that names the model ("llm.base-model"), for the message when it is unset.
        public var setting: String?
        public init(path: String, hint: String, setting: String? = nil) { self.path = path; self.hint = hint; self.setting = setting }
    }

    public static let name = "missing-model"
    public static let summary = "fails: the model file of the Topic B experiments is missing"
    public static var code: CodeFingerprint { sourceFingerprint("LLM/Experiments/MissingModel.swift") }
    public static let outputs = ["model"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        if params.path.isEmpty {
            throw StageError.failed("no model configured: \(params.setting ?? "the model setting") is not set; \(params.hint)")
        }
        throw StageError.failed("no model file at \(params.path); \(params.hint)")
    }
}
