import Cache
import Foundation

/// Each stage stored under `path` (relative to the CLI's directory): its key and outputs as one
/// comparable line, and the host that ran it.
func storedRecords(_ cli: CommandRunner, store path: String) throws -> [String: (result: String, host: String)] {
    let store = try ArtifactStore(root: cli.directory.appendingPathComponent(path))
    var records: [String: (result: String, host: String)] = [:]
    for action in try store.allActions() {
        let outputs = action.outputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.hex)" }.joined(separator: ",")
        records[action.stage] = (action.key.hex + " " + outputs, action.host)
    }
    return records
}
