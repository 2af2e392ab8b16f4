import Foundation

/// A grid of settings over one target, as one pipeline: the stages of every point, each
/// computation once. Points that agree on a stage's inputs share it (an `lr` sweep shares the data
/// loading; a `distill.epochs` sweep shares the teachers), so one build of the union runs each
/// shared prefix once, with the usual scheduler, and a rerun finds every finished point stored.
public struct Sweep: Sendable {
    /// One combination of the grid's values.
    public struct Point: Sendable {
        /// The grid's values at this point, by setting.
        public let values: [String: String]
        /// The settings the point is built with: the command line's, then the grid's values.
        public let settings: [String: String]
        /// The name, in the union, of the target's stage at this point.
        public let stage: String
        /// How many stages this point needs built on its own.
        public let stages: Int
    }

    public let target: String
    public let grid: SweepGrid
    public let points: [Point]
    /// The union of every point's stages, each computation once; one target per point.
    public let pipeline: PipelineDefinition

    /// Stages of all points built one by one: each point's closure, summed.
    public var separately: Int { points.map(\.stages).reduce(0, +) }
    /// Stages the grid needs in all.
    public var together: Int { pipeline.stages.count }

    /// Defines the pipeline once per point (`define` is the pipeline's definition function) and
    /// merges the target's closures. Throws what defining any point throws (an unknown setting).
    public static func make(target: String, base: [String: String], grid: SweepGrid,
                            define: (PipelineBuilder) throws -> Void) throws -> Sweep {
        // First every point's pipeline, so a stage that differs between points is named after its
        // point everywhere (`train@lr=1e-3`) and one that all points share keeps its own name.
        var defined: [(values: [String: String], settings: [String: String], root: String, closure: [Stage],
                       identities: [String: String])] = []
        var settings: [Config.Entry] = []
        for values in grid.points {
            let pointSettings = base.merging(values) { $1 }
            // Only the target's own definition (the others' targets stay closures): a point costs its closure.
            let builder = PipelineBuilder(config: Config(overrides: pointSettings), requested: [target])
            try define(builder)
            let definition = try builder.finish()
            settings = definition.settings
            let root = try definition.resolve(target)
            defined.append((values, pointSettings, root.name, definition.closure(of: [root.name]), StageIdentity.of(definition)))
        }
        var variants: [String: Set<String>] = [:]  // stage name -> its identities across points
        for point in defined {
            for stage in point.closure { variants[stage.name, default: []].insert(point.identities[stage.name]!) }
        }
        var union: [Stage] = []
        var unionName: [String: String] = [:]  // identity -> name in the union
        var points: [Point] = []
        for point in defined {
            var local: [String: String] = [:]  // this point's stage name -> name in the union
            for stage in point.closure {
                let identity = point.identities[stage.name]!
                if let existing = unionName[identity] {
                    local[stage.name] = existing
                    continue
                }
                let name = variants[stage.name]!.count > 1 ? stage.name + "@" + describe(point.values, grid) : stage.name
                var inputs: [String: ArtifactRef] = [:]
                for (input, ref) in stage.inputs {
                    if case let .output(upstream, output) = ref {
                        inputs[input] = .output(stage: local[upstream] ?? upstream, name: output)
                    } else {
                        inputs[input] = ref
                    }
                }
                union.append(stage.renamed(name, inputs: inputs, origin: StageOrigin(stage: stage.name, settings: point.settings)))
                unionName[identity] = name
                local[stage.name] = name
            }
            points.append(Point(values: point.values, settings: point.settings, stage: local[point.root]!,
                                stages: point.closure.count))
        }
        let targets = points.enumerated().map { index, point in
            Target(name: "point-\(index + 1)", stage: point.stage, summary: describe(point.values, grid))
        }
        return Sweep(target: target, grid: grid, points: points,
                     pipeline: try PipelineDefinition(stages: union, targets: targets, settings: settings))
    }

    /// "lr=1e-3,hidden=128", in the grid's axis order.
    public static func describe(_ values: [String: String], _ grid: SweepGrid) -> String {
        grid.axes.compactMap { axis in values[axis.key].map { "\(axis.key)=\($0)" } }.joined(separator: ",")
    }
}
