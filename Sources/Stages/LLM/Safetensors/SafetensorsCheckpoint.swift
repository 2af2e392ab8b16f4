import Foundation

/// The weights of a model directory: one model.safetensors, or shards listed by model.safetensors.index.json.
public final class SafetensorsCheckpoint: @unchecked Sendable {
    /// The directory holding the files.
    public let directory: String
    /// The opened files (one, or one per shard).
    public let files: [SafetensorsFile]
    private let owner: [String: Int]

    /// Opens `directory`'s model.safetensors.index.json if present, else its model.safetensors, else
    /// its only *.safetensors file.
    public init(directory: String) throws {
        self.directory = directory
        let manager = FileManager.default
        let indexPath = directory + "/model.safetensors.index.json"
        var paths: [String]
        var weightMap: [String: String] = [:]
        if manager.fileExists(atPath: indexPath) {
            guard let data = manager.contents(atPath: indexPath),
                  let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let map = json["weight_map"] as? [String: String] else {
                throw SafetensorsError.badIndex(path: indexPath, reason: "no \"weight_map\" object of strings")
            }
            weightMap = map
            paths = Array(Set(map.values)).sorted()
        } else if manager.fileExists(atPath: directory + "/model.safetensors") {
            paths = ["model.safetensors"]
        } else {
            let all = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".safetensors") }
            guard all.count == 1 else {
                throw SafetensorsError.badIndex(path: directory, reason: all.isEmpty
                    ? "no model.safetensors or model.safetensors.index.json in the directory"
                    : "\(all.count) .safetensors files but no model.safetensors.index.json")
            }
            paths = all
        }
        files = try paths.map { try SafetensorsFile(path: directory + "/" + $0) }
        var owner: [String: Int] = [:]
        for (i, file) in files.enumerated() {
            for name in file.tensors.keys { owner[name] = i }
        }
        for (name, shard) in weightMap {
            guard let i = paths.firstIndex(of: shard), files[i].tensors[name] != nil else {
                throw SafetensorsError.badIndex(path: indexPath, reason: "tensor \"\(name)\" is not in its shard \(shard)")
            }
            owner[name] = i
        }
        self.owner = owner
    }

    /// Every tensor name in the checkpoint.
    public var tensorNames: [String] { owner.keys.sorted() }

    /// The info of the tensor called `name`, or nil.
    public func tensor(named name: String) -> SafetensorsTensorInfo? { owner[name].flatMap { files[$0].tensors[name] } }

    /// The file holding tensor `name`, and its info; nil when absent.
    func stored(_ name: String) -> (file: SafetensorsFile, info: SafetensorsTensorInfo)? {
        owner[name].flatMap { i in files[i].tensors[name].map { (files[i], $0) } }
    }

    /// The tensor called `name` as Float; throws naming the directory when absent.
    public func floats(named name: String) throws(SafetensorsError) -> Tensor {
        guard let i = owner[name] else { throw .missingTensor(path: directory, tensor: name) }
        return try files[i].floats(named: name)
    }
}
