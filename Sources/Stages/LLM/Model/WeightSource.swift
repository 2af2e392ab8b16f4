/// A checkpoint whose tensors the Llama loader decodes to Float straight into their place in the
/// model's matrices, a range of rows at a time (GGUF files, safetensors directories).
protocol WeightSource: Sendable {
    /// The file or directory, for messages.
    var location: String { get }
    /// The shape of tensor `name`, outermost first, or nil when the checkpoint has none.
    func storedShape(_ name: String) -> [Int]?
    /// The error for a tensor the checkpoint lacks, in the checkpoint's own terms.
    func missing(_ name: String) -> Error
    /// Decodes rows `rows` of tensor `name` (a vector is one row) to `destination`, row after row.
    func decode(_ name: String, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws
}

extension WeightSource {
    /// Whether the checkpoint has a tensor called `name`.
    func contains(_ name: String) -> Bool { storedShape(name) != nil }

    /// The shape of tensor `name`, outermost first; throws naming the checkpoint when absent.
    func shape(of name: String) throws -> [Int] {
        guard let shape = storedShape(name) else { throw missing(name) }
        return shape
    }
}

extension GGUFFile: WeightSource {
    var location: String { path }

    func storedShape(_ name: String) -> [Int]? { tensor(named: name)?.shape }

    func missing(_ name: String) -> Error { GGUFError.missingTensor(path: path, tensor: name) }

    func decode(_ name: String, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws {
        guard let info = tensor(named: name) else { throw missing(name) }
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

    func storedShape(_ name: String) -> [Int]? { tensor(named: name)?.shape }

    func missing(_ name: String) -> Error { SafetensorsError.missingTensor(path: directory, tensor: name) }

    func decode(_ name: String, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws {
        guard let (file, info) = stored(name) else { throw missing(name) }
        guard let type = info.floatType else {
            throw SafetensorsError.unsupportedDType(path: file.path, tensor: name, dtype: info.dtype)
        }
        let columns = info.shape.last ?? 1
        guard !rows.isEmpty, columns > 0 else { return }
        GGUFDequantizer.dequantize(type, file.data(of: info).baseAddress! + rows.lowerBound * columns * type.blockBytes,
                                   count: rows.count * columns, into: destination)
    }
}
