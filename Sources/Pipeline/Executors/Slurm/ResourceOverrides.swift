import Foundation

/// Resource overrides from `--set slurm.<target>.<field>=VALUE`, applied over a kind's defaults.
public struct ResourceOverrides: Sendable, Equatable {
    /// Target (stage name, kind name, or "all") -> field -> value text.
    public private(set) var values: [String: [String: String]] = [:]

    public init() {}

    /// The `slurm.` prefix of settings that are resources, not pipeline settings.
    public static let prefix = "slurm."

    /// Takes the `slurm.*` keys out of `overrides` (they would be unknown settings) and checks them.
    public static func extract(from overrides: inout [String: String]) throws -> ResourceOverrides {
        var result = ResourceOverrides()
        for (key, value) in overrides where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            // Stage names contain dots ("teacher.e5"): the field is what follows the last one.
            guard let dot = rest.lastIndex(of: "."), dot != rest.startIndex else {
                throw PipelineError.malformedOverride("\(key)=\(value)",
                    reason: "expected slurm.<stage|kind|all>.<field>=VALUE, fields: " + StageResources.fields.joined(separator: ", "))
            }
            let target = String(rest[..<dot]), field = String(rest[rest.index(after: dot)...])
            var probe = StageResources()
            do { try probe.set(field, value) } catch {
                throw PipelineError.malformedOverride("\(key)=\(value)", reason: "\(error)")
            }
            result.values[target, default: [:]][field] = value
            overrides.removeValue(forKey: key)
        }
        return result
    }

    /// Adds `field=value` for `target` unless an override (from --set) already sets it: the
    /// project's defaults (.pipe/executor.json) under the command line's.
    public mutating func addDefault(target: String, field: String, value: String) throws {
        var probe = StageResources()
        try probe.set(field, value)
        if values[target]?[field] == nil { values[target, default: [:]][field] = value }
    }

    /// `stage`'s resources: its kind's defaults, then "all", then the kind's, then the stage's overrides.
    public func resources(for stage: Stage) -> StageResources {
        var resources = stage.resources
        for target in ["all", stage.kind, stage.name] {
            for (field, value) in values[target] ?? [:] { try? resources.set(field, value) }
        }
        return resources
    }

    /// Override targets that name no stage or kind of `pipeline` (likely typos).
    public func unknownTargets(in pipeline: PipelineDefinition) -> [String] {
        let known = Set(pipeline.stages.map(\.name) + pipeline.stages.map(\.kind) + ["all"])
        return values.keys.filter { !known.contains($0) }.sorted()
    }
}
