import Foundation
import Pipeline

/// A GGUF model as an experiment stage uses it: the network, and the tokenizer and chat template of
/// its metadata when it has them (the tiny test fixtures have neither).
///
/// A stage gets its model input as bytes (a `.file` input, keyed by content); `load` writes them to
/// the stage's scratch directory to map them, and keeps the last model loaded in the process so a
/// build of many prompts against one model dequantizes it once. The reuse is exact: the bytes must
/// be equal, not merely alike.
public final class LanguageModelFile: @unchecked Sendable {
    public let model: LlamaModel
    public let tokenizer: ByteLevelBPETokenizer?
    public let template: ChatTemplate?
    public let source: String

    /// Loads a GGUF file at `path`.
    public init(path: String, source: String? = nil) throws {
        let gguf = try GGUFFile(path: path)
        self.source = source ?? path
        model = try LlamaModel(ggufPath: path)
        if let tokens = gguf.stringArray("tokenizer.ggml.tokens"), let merges = gguf.stringArray("tokenizer.ggml.merges"),
           let pre = gguf.string("tokenizer.ggml.pre") {
            let vocabulary = try TokenizerVocabulary(
                ggmlTokens: tokens, merges: merges,
                tokenTypes: (gguf.intArray("tokenizer.ggml.token_type") ?? []).map { Int32($0) }, pre: pre,
                bosTokenID: gguf.int("tokenizer.ggml.bos_token_id").map { Int32($0) },
                eosTokenID: gguf.int("tokenizer.ggml.eos_token_id").map { Int32($0) },
                padTokenID: gguf.int("tokenizer.ggml.padding_token_id").map { Int32($0) },
                model: gguf.string("tokenizer.ggml.model") ?? "gpt2", source: self.source)
            tokenizer = try ByteLevelBPETokenizer(vocabulary: vocabulary)
            template = try? ChatTemplate(chatTemplate: gguf.string("tokenizer.chat_template"), ggmlPre: pre,
                                         source: self.source)
        } else {
            tokenizer = nil
            template = nil
        }
    }

    nonisolated(unsafe) private static var last: (bytes: Data, file: LanguageModelFile)?
    private static let lock = NSLock()

    /// The model in input `name` of `context` (a GGUF file's bytes).
    public static func load(_ context: StageContext, input name: String = "model") throws -> LanguageModelFile {
        let bytes = try context.input(name)
        return try lock.withLock {
            if let last, last.bytes == bytes { return last.file }
            last = nil
            let path = context.scratch.appendingPathComponent("model-\(UUID().uuidString).gguf").path
            try FileManager.default.createDirectory(at: context.scratch, withIntermediateDirectories: true)
            try bytes.write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let file: LanguageModelFile
            do { file = try LanguageModelFile(path: path, source: "input '\(name)'") } catch {
                throw StageError.badInput(name: name, reason: "not a usable GGUF model: \(error)")
            }
            last = (bytes, file)
            return file
        }
    }

    private static let forwardLock = NSLock()

    /// Runs `body` (forward passes) while no other stage of this process runs one: OpenBLAS's thread
    /// count is process-wide, so concurrent passes (`pipe build -j 2`) would change each other's
    /// arithmetic; they take turns instead, and each stays deterministic.
    public static func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        try forwardLock.withLock(body)
    }

    /// Text of one token id (its bytes decoded), or "#id" without a tokenizer.
    public func text(of id: Int) -> String {
        tokenizer.map { $0.decode([Int32(id)]) } ?? "#\(id)"
    }

    /// The text of a prompt's tokens, for logs.
    public func promptText(_ ids: [Int]) -> String {
        tokenizer.map { $0.decode(ids.map { Int32($0) }).debugDescription } ?? ids.map(String.init).joined(separator: " ")
    }

    /// The id of `text` when it is exactly one token, else nil.
    public func singleToken(_ text: String) -> Int? {
        guard let tokenizer else { return nil }
        let ids = tokenizer.encode(text)
        return ids.count == 1 ? Int(ids[0]) : nil
    }
}
