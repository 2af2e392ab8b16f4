/// Why a Llama model could not be loaded, naming the file and what to do.
public enum LlamaError: Error, CustomStringConvertible, Sendable, Equatable {
    case badConfig(path: String, reason: String)
    case unsupportedArchitecture(path: String, architecture: String)
    case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])
    case modelNotFound(name: String, searched: String)
    case tokenOutOfRange(token: Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case let .badConfig(path, reason):
            return "\(path): invalid Llama config (\(reason)); use the config.json that came with the weights"
        case let .unsupportedArchitecture(path, architecture):
            return "\(path): architecture \"\(architecture)\" is not a Llama model; pipe runs only Llama-family models"
        case let .shapeMismatch(path, tensor, expected, found):
            return "\(path): tensor \"\(tensor)\" has shape \(found), the config implies \(expected); "
                + "the weights do not belong to this config"
        case let .modelNotFound(name, searched):
            return "model \(name) not found in \(searched); download it first (e.g. huggingface-cli download \(name)) "
                + "or set HF_HOME"
        case let .tokenOutOfRange(token, vocabularySize):
            return "token id \(token) is outside the vocabulary (0..<\(vocabularySize)); the tokenizer does not match the model"
        }
    }
}
