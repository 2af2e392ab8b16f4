import Foundation

/// One memory-mapped .safetensors file: its header and its tensors, converted to Float on demand.
public final class SafetensorsFile: @unchecked Sendable {
    /// The file's path.
    public let path: String
    /// Tensor infos by name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// The header's "__metadata__" strings.
    public let metadata: [String: String]

    private let file: MappedFile

    /// Maps `path` and parses its header; throws `SafetensorsError` or `MappedFileError`.
    public init(path: String) throws {
        file = try MappedFile(path: path)
        self.path = path
        guard file.count >= 8 else { throw SafetensorsError.truncated(path: path, what: "the 8-byte header length") }
        let length = UInt64(littleEndian: file.bytes.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(file.count - 8) else {
            throw SafetensorsError.truncated(path: path, what: "the \(length)-byte JSON header")
        }
        let headerBytes = Data(UnsafeRawBufferPointer(rebasing: file.bytes[8..<8 + Int(length)]))
        guard let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw SafetensorsError.badHeader(path: path, reason: "the header is not a JSON object")
        }
        let dataStart = 8 + Int(length)
        var tensors: [String: SafetensorsTensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [NSNumber])?.map(\.intValue),
                  let offsets = (entry["data_offsets"] as? [NSNumber])?.map(\.intValue), offsets.count == 2 else {
                throw SafetensorsError.badHeader(path: path, reason: "entry \"\(name)\" lacks dtype, shape or data_offsets")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw SafetensorsError.badTensor(path: path, tensor: name, reason: "negative shape or offsets")
            }
            guard offsets[1] <= file.count - dataStart else {
                throw SafetensorsError.truncated(path: path, what: "the data of tensor \"\(name)\"")
            }
            if let size = SafetensorsTensorInfo.elementSize(dtype), offsets[1] - offsets[0] != shape.reduce(1, *) * size {
                throw SafetensorsError.badTensor(path: path, tensor: name,
                                                 reason: "\(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtype)")
            }
            tensors[name] = SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape,
                                                  fileOffset: dataStart + offsets[0], byteCount: offsets[1] - offsets[0])
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The info of the tensor called `name`, or nil.
    public func tensor(named name: String) -> SafetensorsTensorInfo? { tensors[name] }

    /// The stored bytes of a tensor, borrowed from the map (valid while this file lives).
    public func data(of info: SafetensorsTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[info.fileOffset..<info.fileOffset + info.byteCount])
    }

    /// The tensor called `name` converted to Float; throws when absent or not F32/F16/BF16.
    public func floats(named name: String) throws(SafetensorsError) -> Tensor {
        guard let info = tensors[name] else { throw .missingTensor(path: path, tensor: name) }
        guard let type = info.floatType else { throw .unsupportedDType(path: path, tensor: name, dtype: info.dtype) }
        let result = Tensor(shape: info.shape)
        if info.elementCount > 0 {
            GGUFDequantizer.dequantize(type, data(of: info).baseAddress!, count: info.elementCount, into: result.pointer)
        }
        return result
    }
}
