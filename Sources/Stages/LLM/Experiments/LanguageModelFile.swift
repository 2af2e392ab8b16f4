import Foundation
import Pipeline

/// A model as an experiment stage uses it: the network, and the tokenizer and chat template of its
/// metadata when it has them (the tiny test fixtures have neither). From a GGUF file, or from a
/// Hugging Face model directory (config.json, *.safetensors, tokenizer.json, tokenizer_config.json).
///
/// A stage gets its model as input bytes (`.file` inputs, keyed by content): a GGUF file as input
/// `model`, a Hugging Face directory as one input per file, `model/config.json` and so on. `load`
/// writes them to the stage's scratch directory to map them, and keeps the last model loaded in the
/// process so a build of many prompts against one model loads it once. The reuse is exact: the
/// bytes must be equal, not merely alike.
public final class LanguageModelFile: @unchecked Sendable {
    public let model: LlamaModel
    public let tokenizer: ByteLevelBPETokenizer?
    public let template: ChatTemplate?
    public let source: String

    /// Loads a GGUF file at `path`.
    public init(path: String, source: String? = nil) throws {
        let gguf = try GGUFFile(path: path)
        self.source = source ?? path
        model = try LlamaModel(gguf: gguf)
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

    /// Loads a Hugging Face model directory: the network from config.json and its safetensors, the
    /// tokenizer from tokenizer.json, the chat template from tokenizer_config.json (when it has one:
    /// base models do not).
    public init(directory: String, source: String? = nil) throws {
        self.source = source ?? directory
        model = try LlamaModel(directory: directory)
        let tokenizerJSON = directory + "/tokenizer.json"
        guard FileManager.default.fileExists(atPath: tokenizerJSON) else {
            tokenizer = nil
            template = nil
            return
        }
        tokenizer = try ByteLevelBPETokenizer(vocabulary: TokenizerVocabulary(huggingFaceTokenizerJSON: URL(fileURLWithPath: tokenizerJSON)))
        let configSource = (source ?? directory) + "/tokenizer_config.json"
        template = try Self.chatTemplate(directory + "/tokenizer_config.json").map {
            try ChatTemplate(templateText: $0, source: configSource)
        }
    }

    /// The chat_template of a tokenizer_config.json: a string, or the "default" of a list of named templates.
    static func chatTemplate(_ path: String) throws -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw StageErrorMessage("\(path) is not a JSON object")
        }
        switch json["chat_template"] {
        case let text as String: return text
        case let list as [[String: Any]]: return list.first { $0["name"] as? String == "default" }?["template"] as? String
        default: return nil
        }
    }

    nonisolated(unsafe) private static var last: (inputs: [String: String], file: LanguageModelFile)?
    private static let lock = NSLock()

    /// The model in input `name` of `context`: a GGUF file, or the files of a Hugging Face
    /// directory as inputs `name/config.json`, `name/model.safetensors`, ... Mapped from the
    /// inputs' own files (see StageContext.inputFile), never read whole; the last model loaded is
    /// reused while its inputs' digests are the same.
    public static func load(_ context: StageContext, input name: String = "model") throws -> LanguageModelFile {
        let directoryInputs = context.inputNames.filter { $0.hasPrefix(name + "/") }
        let isDirectory = !context.inputNames.contains(name) && !directoryInputs.isEmpty
        let names = isDirectory ? directoryInputs : [name]
        var digests: [String: String] = [:]
        for input in names { digests[input] = try context.inputDigest(input) }
        return try lock.withLock {
            if let last, last.inputs == digests { return last.file }
            last = nil
            let file: LanguageModelFile
            if isDirectory {
                // The files under the names the loader expects, as links to where they lie.
                let path = context.scratch.appendingPathComponent("model-\(UUID().uuidString)").path
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: path) }
                for input in names {
                    let fileName = String(input.dropFirst(name.count + 1))
                    guard !fileName.contains("/") else { throw StageError.badInput(name: input, reason: "a model file in a subdirectory") }
                    try FileManager.default.createSymbolicLink(atPath: path + "/" + fileName,
                                                               withDestinationPath: context.inputFile(input).path)
                }
                do { file = try LanguageModelFile(directory: path, source: "inputs '\(name)/*'") } catch {
                    throw StageError.badInput(name: name + "/", reason: "not a usable Hugging Face model directory: \(error)")
                }
            } else {
                do { file = try LanguageModelFile(path: context.inputFile(name).path, source: "input '\(name)'") } catch {
                    throw StageError.badInput(name: name, reason: "not a usable GGUF model: \(error)")
                }
            }
            last = (digests, file)
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
