import Foundation
import Pipeline

/// Weights and Adam state of N same-shaped MLPs: the artifact of every trainable stage.
///
/// Serialized form, version 1 (all integers unsigned little-endian, floats little-endian IEEE
/// binary32):
///
///     offset  size          field
///     0       4             magic "PTST"
///     4       4             version (1)
///     8       4             models N
///     12      4             layer count L
///     16      4 (L+1)       sizes: inputs, hidden..., outputs
///     ..      4             epochsDone
///     ..      8             adamStep: Adam steps taken (0 = fresh optimizer)
///     ..      4 + n         lineage: byte count n, then UTF-8 (which run produced the Adam state)
///     ..      4 N P         parameters: model after model, each block as MLPShape lays it out
///     ..      8 N P         only if adamStep > 0: Adam m (N P floats), then Adam v (N P floats)
///
/// with P = MLPShape.parameterCount. Nothing follows; any other length is an error.
public final class TrainingState: @unchecked Sendable {
    public let shape: MLPShape
    public let models: Int
    /// (models, P) parameters.
    public let parameters: Tensor
    /// (models, P) Adam first and second moments.
    public let adamM: Tensor
    public let adamV: Tensor
    public var adamStep: Int
    public var epochsDone: Int
    /// Identifies the run whose optimizer state this is; a checkpoint only continues its own run.
    public var lineage: String

    static let magic = Array("PTST".utf8)
    static let version: UInt32 = 1

    /// Zero parameters and a fresh optimizer.
    public convenience init(shape: MLPShape, models: Int, lineage: String = "") {
        self.init(shape: shape, models: models, lineage: lineage, zeroParameters: true, zeroMoments: true)
    }

    /// Parameters and moments zero-filled only where asked: a parse writes the rest itself.
    private init(shape: MLPShape, models: Int, lineage: String, zeroParameters: Bool, zeroMoments: Bool) {
        self.shape = shape
        self.models = models
        let size = [models, shape.parameterCount]
        parameters = zeroParameters ? Tensor(shape: size) : Tensor(unwrittenShape: size)
        adamM = zeroMoments ? Tensor(shape: size) : Tensor(unwrittenShape: size)
        adamV = zeroMoments ? Tensor(shape: size) : Tensor(unwrittenShape: size)
        adamStep = 0
        epochsDone = 0
        self.lineage = lineage
    }

    /// Model m's parameter block (P floats).
    public func parameters(of model: Int) -> UnsafeMutablePointer<Float> {
        parameters.pointer + model * shape.parameterCount
    }

    public func copy() -> TrainingState {
        let result = TrainingState(shape: shape, models: models, lineage: lineage)
        result.parameters.pointer.update(from: parameters.pointer, count: parameters.count)
        result.adamM.pointer.update(from: adamM.pointer, count: adamM.count)
        result.adamV.pointer.update(from: adamV.pointer, count: adamV.count)
        result.adamStep = adamStep
        result.epochsDone = epochsDone
        return result
    }

    public func serialized() -> Data {
        // The floats and a header of well under 64 KB.
        var writer = ByteWriter(capacity: 4 * parameters.count * (adamStep > 0 ? 3 : 1) + 65536 + lineage.utf8.count)
        writer.bytes(Self.magic)
        writer.u32(Self.version)
        writer.u32(UInt32(models))
        writer.u32(UInt32(shape.layers))
        for size in shape.sizes { writer.u32(UInt32(size)) }
        writer.u32(UInt32(epochsDone))
        writer.u64(UInt64(adamStep))
        writer.string(lineage)
        writer.floats(parameters)
        if adamStep > 0 {
            writer.floats(adamM)
            writer.floats(adamV)
        }
        return writer.data
    }

    /// Parses the serialized form; any defect is StageError.badInput naming `name`.
    public convenience init(serialized data: Data, name: String) throws {
        var reader = ByteReader(data, name: name, artifact: "TrainingState")
        try reader.expectMagic(Self.magic)
        let version = try reader.u32()
        guard version == Self.version else {
            throw StageError.badInput(name: name, reason: "TrainingState version \(version), expected \(Self.version)")
        }
        let models = Int(try reader.u32())
        let layers = Int(try reader.u32())
        guard (1...64).contains(layers), (1...1_000_000).contains(models) else {
            throw StageError.badInput(name: name, reason: "TrainingState with \(models) models of \(layers) layers")
        }
        var sizes: [Int] = []
        for _ in 0...layers { sizes.append(Int(try reader.u32())) }
        guard sizes.allSatisfy({ (1...1_000_000).contains($0) }) else {
            throw StageError.badInput(name: name, reason: "TrainingState layer sizes \(sizes)")
        }
        let epochsDone = Int(try reader.u32())
        let adamStep = Int(try reader.u64())
        let lineage = try reader.string()
        let shape = MLPShape(sizes: sizes)
        let floats = models * shape.parameterCount * (adamStep > 0 ? 3 : 1)
        guard reader.remaining == floats * 4 else {
            throw StageError.badInput(name: name, reason: "TrainingState has \(reader.remaining) bytes of "
                + "numbers, expected \(floats * 4) for \(models) models of sizes \(sizes)")
        }
        // The copies below write the parameters, and the moments when the optimizer has state.
        self.init(shape: shape, models: models, lineage: lineage, zeroParameters: false, zeroMoments: adamStep == 0)
        self.epochsDone = epochsDone
        self.adamStep = adamStep
        try reader.floats(into: parameters)
        if adamStep > 0 {
            try reader.floats(into: adamM)
            try reader.floats(into: adamV)
        }
    }
}
