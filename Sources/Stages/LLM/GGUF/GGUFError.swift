/// Why a GGUF file could not be read, naming the file (and tensor) and what to do.
public enum GGUFError: Error, CustomStringConvertible, Sendable, Equatable {
    case truncated(path: String, offset: Int, needed: Int, what: String)
    case badMagic(path: String, found: UInt32)
    case unsupportedVersion(path: String, version: UInt32)
    case unknownValueType(path: String, key: String, type: UInt32)
    case unknownTensorType(path: String, tensor: String, type: UInt32)
    case unsupportedTensorType(path: String, tensor: String, type: String)
    case badTensor(path: String, tensor: String, reason: String)
    case missingTensor(path: String, tensor: String)
    case missingMetadata(path: String, key: String)
    case wrongMetadataType(path: String, key: String, expected: String)

    public var description: String {
        switch self {
        case let .truncated(path, offset, needed, what):
            return "\(path): truncated GGUF file: \(what) needs \(needed) bytes at offset \(offset) beyond the end; "
                + "the download is probably incomplete, fetch the file again"
        case let .badMagic(path, found):
            return "\(path): not a GGUF file (magic 0x\(String(found, radix: 16)), expected \"GGUF\"); "
                + "pass a .gguf model file"
        case let .unsupportedVersion(path, version):
            return "\(path): GGUF version \(version) is not supported (only 2 and 3); convert the model with a recent llama.cpp"
        case let .unknownValueType(path, key, type):
            return "\(path): metadata \"\(key)\" has unknown value type \(type); the file is corrupt or from a newer GGUF"
        case let .unknownTensorType(path, tensor, type):
            return "\(path): tensor \"\(tensor)\" has unknown ggml type \(type); re-quantize it to a supported type "
                + "(F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)"
        case let .unsupportedTensorType(path, tensor, type):
            return "\(path): tensor \"\(tensor)\" uses ggml type \(type), which pipe cannot dequantize; re-quantize it "
                + "to F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K or Q6_K"
        case let .badTensor(path, tensor, reason):
            return "\(path): tensor \"\(tensor)\" is invalid: \(reason); the file is corrupt, fetch or convert it again"
        case let .missingTensor(path, tensor):
            return "\(path): no tensor named \"\(tensor)\"; the file is not a complete Llama model"
        case let .missingMetadata(path, key):
            return "\(path): metadata key \"\(key)\" is missing; the file was not converted for this architecture"
        case let .wrongMetadataType(path, key, expected):
            return "\(path): metadata \"\(key)\" is not \(expected); the file is corrupt or not a Llama GGUF"
        }
    }
}
