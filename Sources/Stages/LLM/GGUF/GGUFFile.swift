/// A GGUF (v2/v3) model file, memory-mapped: metadata, tensor infos, and tensor data on demand.
public final class GGUFFile: @unchecked Sendable {
    /// "GGUF" read as a little-endian UInt32.
    public static let magic: UInt32 = 0x4655_4747

    /// The file's path.
    public let path: String
    /// The GGUF version (2 or 3).
    public let version: UInt32
    /// Every metadata key and value.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// The alignment of tensor data (general.alignment, default 32).
    public let alignment: Int
    /// The offset of the tensor data section from the start of the file.
    public let dataOffset: Int

    private let file: MappedFile
    private let tensorIndex: [String: Int]

    /// Maps and parses the GGUF file at `path`; tensor data is read only when asked for.
    public init(path: String) throws {
        file = try MappedFile(path: path)
        self.path = path
        var reader = GGUFByteReader(bytes: file.bytes, path: path)
        let magic = try reader.scalar(UInt32.self, "the GGUF magic")
        guard magic == Self.magic else { throw GGUFError.badMagic(path: path, found: magic) }
        version = try reader.scalar(UInt32.self, "the GGUF version")
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(path: path, version: version) }
        let tensorCount = try reader.scalar(UInt64.self, "the tensor count")
        let keyCount = try reader.scalar(UInt64.self, "the metadata count")
        guard tensorCount < UInt64(file.count), keyCount < UInt64(file.count) else {
            throw GGUFError.truncated(path: path, offset: reader.offset, needed: Int(clamping: max(tensorCount, keyCount)),
                                      what: "the header's counts")
        }

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        for _ in 0..<Int(keyCount) {
            let key = try reader.string("a metadata key")
            let type = try reader.scalar(UInt32.self, "the type of metadata \"\(key)\"")
            metadata[key] = try reader.value(type: type, key: key)
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys
        let alignment = metadata["general.alignment"]?.int ?? 32
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw GGUFError.wrongMetadataType(path: path, key: "general.alignment", expected: "a power of two")
        }
        self.alignment = alignment

        var raw: [(String, [Int], UInt32, UInt64)] = []
        for _ in 0..<Int(tensorCount) {
            let name = try reader.string("a tensor name")
            let rank = try reader.scalar(UInt32.self, "the rank of tensor \"\(name)\"")
            guard rank <= 8 else { throw GGUFError.badTensor(path: path, tensor: name, reason: "rank \(rank) > 8") }
            var dimensions: [Int] = []
            for _ in 0..<rank {
                let d = try reader.scalar(UInt64.self, "the dimensions of tensor \"\(name)\"")
                guard d <= UInt64(Int32.max) * 16 else {
                    throw GGUFError.badTensor(path: path, tensor: name, reason: "dimension \(d) is too large")
                }
                dimensions.append(Int(d))
            }
            let type = try reader.scalar(UInt32.self, "the type of tensor \"\(name)\"")
            let offset = try reader.scalar(UInt64.self, "the offset of tensor \"\(name)\"")
            raw.append((name, dimensions, type, offset))
        }
        dataOffset = (reader.offset + alignment - 1) / alignment * alignment

        var tensors: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        for (name, dimensions, typeID, offset) in raw {
            guard let type = GGMLType(rawValue: typeID) else {
                throw GGUFError.unknownTensorType(path: path, tensor: name, type: typeID)
            }
            let elements = dimensions.reduce(1, *)
            guard let bytes = type.byteCount(elements: elements) else {
                throw GGUFError.badTensor(path: path, tensor: name,
                                          reason: "\(elements) elements is not a whole number of \(type) blocks")
            }
            guard offset % UInt64(alignment) == 0, offset <= UInt64(file.count) else {
                throw GGUFError.badTensor(path: path, tensor: name, reason: "data offset \(offset) is misaligned or out of range")
            }
            let start = dataOffset + Int(offset)
            guard start <= file.count - bytes else {
                throw GGUFError.truncated(path: path, offset: start, needed: bytes, what: "the data of tensor \"\(name)\"")
            }
            index[name] = tensors.count
            tensors.append(GGUFTensorInfo(name: name, dimensions: dimensions, type: type, fileOffset: start, byteCount: bytes))
        }
        self.tensors = tensors
        tensorIndex = index
    }

    /// The info of the tensor called `name`, or nil.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The stored bytes of a tensor, borrowed from the map (valid while this file lives).
    public func data(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[info.fileOffset..<info.fileOffset + info.byteCount])
    }

    /// The tensor called `name` converted to Float, shaped outermost first; throws when absent or unsupported.
    public func floats(named name: String) throws(GGUFError) -> Tensor {
        guard let info = tensor(named: name) else { throw .missingTensor(path: path, tensor: name) }
        return try floats(info)
    }

    /// The tensor `info` converted to Float, shaped outermost first.
    public func floats(_ info: GGUFTensorInfo) throws(GGUFError) -> Tensor {
        guard GGMLType.dequantizable.contains(info.type) else {
            throw .unsupportedTensorType(path: path, tensor: info.name, type: info.type.description)
        }
        let result = Tensor(shape: info.shape)
        GGUFDequantizer.dequantize(info.type, data(of: info).baseAddress!, count: info.elementCount, into: result.pointer)
        return result
    }

    // MARK: Metadata accessors

    /// The metadata value at `key`, or nil.
    public subscript(key: String) -> GGUFValue? { metadata[key] }

    /// The string at `key`, or nil when absent or not a string.
    public func string(_ key: String) -> String? { metadata[key]?.string }
    /// The integer at `key`, or nil when absent or not an integer.
    public func int(_ key: String) -> Int? { metadata[key]?.int }
    /// The number at `key` as a Float, or nil.
    public func float(_ key: String) -> Float? { metadata[key]?.float }
    /// The bool at `key`, or nil.
    public func bool(_ key: String) -> Bool? { metadata[key]?.bool }
    /// The array of strings at `key`, or nil.
    public func stringArray(_ key: String) -> [String]? { metadata[key]?.strings }
    /// The array of integers at `key`, or nil.
    public func intArray(_ key: String) -> [Int]? { metadata[key]?.ints }
    /// The array of numbers at `key` as Floats, or nil.
    public func floatArray(_ key: String) -> [Float]? { metadata[key]?.floats }

    /// The integer at `key`; throws naming the key when absent or of another type.
    public func requiredInt(_ key: String) throws(GGUFError) -> Int {
        guard let value = metadata[key] else { throw .missingMetadata(path: path, key: key) }
        guard let int = value.int else { throw .wrongMetadataType(path: path, key: key, expected: "an integer") }
        return int
    }

    /// The number at `key` as a Float; throws naming the key when absent or of another type.
    public func requiredFloat(_ key: String) throws(GGUFError) -> Float {
        guard let value = metadata[key] else { throw .missingMetadata(path: path, key: key) }
        guard let float = value.float else { throw .wrongMetadataType(path: path, key: key, expected: "a number") }
        return float
    }

    /// The string at `key`; throws naming the key when absent or of another type.
    public func requiredString(_ key: String) throws(GGUFError) -> String {
        guard let value = metadata[key] else { throw .missingMetadata(path: path, key: key) }
        guard let string = value.string else { throw .wrongMetadataType(path: path, key: key, expected: "a string") }
        return string
    }
}
