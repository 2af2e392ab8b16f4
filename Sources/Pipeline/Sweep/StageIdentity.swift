import Cache
import Foundation

/// What a stage computes, before anything runs: its kind, declared parameters, code and outputs,
/// and the identities of what it reads. Two pipelines built under different settings share a
/// stage exactly when its identity is the same in both (a key needs the inputs' digests, which
/// only exist once the stages above have run).
enum StageIdentity {
    /// Stage name -> identity (hex), for every stage of `pipeline`.
    static func of(_ pipeline: PipelineDefinition) -> [String: String] {
        var identities: [String: String] = [:]
        for stage in pipeline.topologicalOrder() {
            var inputs: [String: JSONValue] = [:]
            for (name, ref) in stage.inputs {
                switch ref {
                case let .output(upstream, output): inputs[name] = .string("\(identities[upstream] ?? upstream):\(output)")
                case let .file(path): inputs[name] = .string("file:\(path)")
                }
            }
            let document: JSONValue = .object([
                "kind": .string(stage.kind), "params": .string(stage.declaredParams), "code": .string(stage.code.digest),
                "outputs": .array(stage.outputs.map(JSONValue.string)), "inputs": .object(inputs),
            ])
            identities[stage.name] = Digest.of(Data(document.canonical.utf8)).hex
        }
        return identities
    }
}
