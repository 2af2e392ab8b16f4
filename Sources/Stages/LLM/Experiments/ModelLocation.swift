import Foundation

/// Where a model setting (`llm.model`, `llm.base-model`, ...) points: a GGUF file, a Hugging Face model
/// directory, or "ORG/NAME" in the Hugging Face hub cache ($HF_HUB_CACHE, else $HF_HOME/hub, else
/// ~/.cache/huggingface/hub), resolved to its snapshot directory. Nothing is downloaded.
public enum ModelLocation: Sendable, Equatable {
    /// A GGUF file.
    case gguf(path: String)
    /// A Hugging Face model directory and the files a stage reads from it (names relative to it).
    case huggingFace(directory: String, files: [String])

    /// The files of a Hugging Face directory that make the model: config, weights (one file or shards
    /// and their index), tokenizer and its config (for the chat template).
    public static func modelFiles(directory: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        let wanted = names.filter {
            ["config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors.index.json"].contains($0)
                || $0.hasSuffix(".safetensors")
        }
        return wanted.sorted()
    }

    /// The model `value` names, or nil when there is none; `searched` then says where it looked.
    public static func resolve(_ value: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ModelLocation? {
        guard !value.isEmpty else { return nil }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { return .gguf(path: value) }
            return huggingFaceDirectory(value)
        }
        guard isHubName(value) else { return nil }
        let cache = HuggingFaceHub.cacheDirectory(environment: environment)
        guard let snapshot = try? HuggingFaceHub.snapshotDirectory(name: value, cacheDirectory: cache) else { return nil }
        return huggingFaceDirectory(snapshot)
    }

    /// Where `resolve` looked for `value`, for the message of a missing model.
    public static func searched(_ value: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        guard isHubName(value) else { return value }
        let cache = HuggingFaceHub.cacheDirectory(environment: environment)
        return "\(value) (no such file or directory, nor \(cache)/models--\(value.replacingOccurrences(of: "/", with: "--"))"
            + "/snapshots/<refs/main>/config.json in the Hugging Face hub cache)"
    }

    /// "ORG/NAME": one slash, neither end empty, not a relative path such as "./x" or "../x".
    static func isHubName(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." } && !value.hasPrefix(".")
    }

    static func huggingFaceDirectory(_ directory: String) -> ModelLocation? {
        guard FileManager.default.fileExists(atPath: directory + "/config.json"),
              let files = try? modelFiles(directory: directory), files.contains(where: { $0.hasSuffix(".safetensors") }) else {
            return nil
        }
        return .huggingFace(directory: directory, files: files)
    }
}
