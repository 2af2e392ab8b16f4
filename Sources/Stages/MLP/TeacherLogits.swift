import Foundation
import Pipeline

/// The teacher's logits on the distillation images, computed once and shared by all students.
///
/// Serialized form, version 1 (little-endian):
///
///     offset  size          field
///     0       4             magic "PLGT"
///     4       4             version (1)
///     8       4             models N
///     12      4             samples S
///     16      4             outputs K (13)
///     20      4 + n         data: byte count n, then the canonical JSON of the DistillationData
///     ..      4 + n         teacher: byte count n, then UTF-8 (the teacher's lineage and epochs)
///     ..      4 N S K       logits, Float32: model m, image i, output k at ((m S) + i) K + k
public final class TeacherLogits: @unchecked Sendable {
    public let models: Int
    public let samples: Int
    public let outputs: Int
    public let data: DistillationData
    public let teacher: String
    /// (models, samples, outputs)
    public let logits: Tensor

    static let magic = Array("PLGT".utf8)
    static let version: UInt32 = 1

    /// Zero logits, for a stage to fill.
    public convenience init(models: Int, samples: Int, outputs: Int, data: DistillationData, teacher: String) {
        self.init(models: models, samples: samples, outputs: outputs, data: data, teacher: teacher,
                  logits: Tensor(shape: [models, samples, outputs]))
    }

    private init(models: Int, samples: Int, outputs: Int, data: DistillationData, teacher: String, logits: Tensor) {
        self.models = models
        self.samples = samples
        self.outputs = outputs
        self.data = data
        self.teacher = teacher
        self.logits = logits
    }

    /// Model m's logits, (samples, outputs).
    func logits(of model: Int) -> UnsafeMutablePointer<Float> { logits.pointer + model * samples * outputs }

    public func serialized() -> Data {
        var writer = ByteWriter(capacity: 4 * logits.count + 4096 + data.canonicalJSON.utf8.count + teacher.utf8.count)
        writer.bytes(Self.magic)
        writer.u32(Self.version)
        writer.u32(UInt32(models))
        writer.u32(UInt32(samples))
        writer.u32(UInt32(outputs))
        writer.string(data.canonicalJSON)
        writer.string(teacher)
        writer.floats(logits)
        return writer.data
    }

    public convenience init(serialized bytes: Data, name: String) throws {
        var reader = ByteReader(bytes, name: name, artifact: "TeacherLogits")
        try reader.expectMagic(Self.magic)
        let version = try reader.u32()
        guard version == Self.version else {
            throw StageError.badInput(name: name, reason: "TeacherLogits version \(version), expected \(Self.version)")
        }
        let models = Int(try reader.u32()), samples = Int(try reader.u32()), outputs = Int(try reader.u32())
        let json = try reader.string()
        let teacher = try reader.string()
        guard let data = try? JSONDecoder().decode(DistillationData.self, from: Data(json.utf8)) else {
            throw StageError.badInput(name: name, reason: "TeacherLogits has unreadable data description \(json)")
        }
        guard reader.remaining == models * samples * outputs * 4 else {
            throw StageError.badInput(name: name, reason: "TeacherLogits has \(reader.remaining) bytes of logits, "
                + "expected \(models * samples * outputs * 4) for \(models) x \(samples) x \(outputs)")
        }
        // Unwritten, not zeroed: the copy below writes every element, and 78 MB zeroed first was one
        // more pass over them per distillation stage.
        self.init(models: models, samples: samples, outputs: outputs, data: data, teacher: teacher,
                  logits: Tensor(unwrittenShape: [models, samples, outputs]))
        try reader.floats(into: logits)
    }
}
