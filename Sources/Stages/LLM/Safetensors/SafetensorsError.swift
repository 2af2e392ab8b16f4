/// Why a safetensors file or checkpoint could not be read, naming the file (and tensor) and what to do.
public enum SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    case truncated(path: String, what: String)
    case badHeader(path: String, reason: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case badTensor(path: String, tensor: String, reason: String)
    case missingTensor(path: String, tensor: String)
    case badIndex(path: String, reason: String)

    public var description: String {
        switch self {
        case let .truncated(path, what):
            return "\(path): truncated safetensors file (\(what) lies beyond the end); download it again"
        case let .badHeader(path, reason):
            return "\(path): not a safetensors file (\(reason)); pass a .safetensors file written by safetensors"
        case let .unsupportedDType(path, tensor, dtype):
            return "\(path): tensor \"\(tensor)\" has dtype \(dtype); only F32, F16 and BF16 are supported, "
                + "save the model in one of those"
        case let .badTensor(path, tensor, reason):
            return "\(path): tensor \"\(tensor)\" is invalid: \(reason); the file is corrupt, download it again"
        case let .missingTensor(path, tensor):
            return "\(path): no tensor named \"\(tensor)\"; the checkpoint is incomplete or not a Llama model"
        case let .badIndex(path, reason):
            return "\(path): invalid sharded-checkpoint index (\(reason)); download model.safetensors.index.json again"
        }
    }
}
