/// A checkpoint whose tensors the Llama loader decodes to Float straight into their place in the
/// model's matrices, a range of rows at a time (GGUF files, safetensors directories).
protocol WeightSource: Sendable {
    /// The file or directory, for messages.
    var location: String { get }
    /// Whether the checkpoint has a tensor called `name`.
    func contains(_ name: String) -> Bool
    /// The shape of tensor `name`, outermost first; throws naming the checkpoint when absent.
    func shape(of name: String) throws -> [Int]
    /// Decodes rows `rows` of tensor `name` (a vector is one row) to `destination`, row after row.
    func decode(_ name: String, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws
}

extension GGUFFile: WeightSource {
    var location: String { path }

    func contains(_ name: String) -> Bool { tensor(named: name) != nil }

    func shape(of name: String) throws -> [Int] {
        guard let info = tensor(named: name) else { throw GGUFError.missingTensor(path: path, tensor: name) }
        return info.shape
    }

    func decode(_ name: String, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws {
        guard let info = tensor(named: name) else { throw GGUFError.missingTensor(path: path, tensor: name) }
        guard GGMLType.dequantizable.contains(info.type) else {
            throw GGUFError.unsupportedTensorType(path: path, tensor: name, type: info.type.description)
        }
        // ggml stores every row as whole blocks, so a row starts at a block boundary.
        let columns = info.dimensions.first ?? 1
        guard let rowBytes = info.type.byteCount(elements: columns) else {
            throw GGUFError.badTensor(path: path, tensor: name,
                                      reason: "rows of \(columns) elements are not whole \(info.type) blocks")
        }
        guard !rows.isEmpty else { return }
        GGUFDequantizer.dequantize(info.type, data(of: info).baseAddress! + rows.lowerBound * rowBytes,
                                   count: rows.count * columns, into: destination)
    }
}

extension SafetensorsCheckpoint: WeightSource {
    var location: String { directory }

    func contains(_ name: String) -> Bool { tensor(named: name) != nil }

    func shape(of name: String) throws -> [Int] {
        guard let info = tensor(named: name) else { throw SafetensorsError.missingTensor(path: directory, tensor: name) }
        return info.shape
    }

    func decode(_ name: String, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws {
        guard let (file, info) = stored(name) else { throw SafetensorsError.missingTensor(path: directory, tensor: name) }
        let type: GGMLType
        switch info.dtype {
        case "F32": type = .f32
        case "F16": type = .f16
        case "BF16": type = .bf16
        default: throw SafetensorsError.unsupportedDType(path: file.path, tensor: name, dtype: info.dtype)
        }
        let columns = info.shape.last ?? 1
        guard !rows.isEmpty, columns > 0 else { return }
        GGUFDequantizer.dequantize(type, file.data(of: info).baseAddress! + rows.lowerBound * columns * type.blockBytes,
                                   count: rows.count * columns, into: destination)
    }
}
