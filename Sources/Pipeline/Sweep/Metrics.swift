import Cache
import Foundation

/// The named numbers of a stored result's metrics outputs (`StageKind.metrics`, a command's
/// `metrics:`): nested objects give dotted names, `{"teacher": {"mean": 94.3}}` is `teacher.mean`.
public enum Metrics {
    /// Name -> value. With several metrics outputs, each name starts with its output's name
    /// (without extension): `summary.teacher.mean`.
    public static func read(stage: Stage, outputs: [String: Digest], store: ArtifactStore) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for output in stage.metrics {
            guard let digest = outputs[output] else { continue }
            let value: JSONValue
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: try store.get(digest))
            } catch {
                throw MetricsError(stage: stage.name, output: output, reason: "it is not JSON (\(error))")
            }
            guard case .object = value else {
                throw MetricsError(stage: stage.name, output: output, reason: "it is not a JSON object of named numbers")
            }
            let prefix = stage.metrics.count > 1 ? (output as NSString).deletingPathExtension : ""
            flatten(value, prefix, into: &values)
        }
        return values
    }

    /// The numbers of `value` by dotted path; strings, booleans and arrays are left out.
    public static func flatten(_ value: JSONValue, _ prefix: String, into values: inout [String: Double]) {
        switch value {
        case let .int(number): values[prefix] = Double(number)
        case let .double(number): values[prefix] = number
        case let .object(members):
            for (key, member) in members { flatten(member, prefix.isEmpty ? key : prefix + "." + key, into: &values) }
        default: break
        }
    }
}

/// A metrics output that is not a JSON object of numbers.
public struct MetricsError: Error, CustomStringConvertible {
    public let stage: String
    public let output: String
    public let reason: String
    public var description: String {
        "metrics output '\(output)' of stage '\(stage)' cannot be read: \(reason); a metrics output is a JSON object "
            + "of named numbers, e.g. {\"accuracy\": 0.93}"
    }
}
