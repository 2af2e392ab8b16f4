import Foundation

/// The settings a sweep varies: each axis a setting and its values, every combination a point.
public struct SweepGrid: Sendable, Equatable {
    /// One varied setting.
    public struct Axis: Sendable, Equatable {
        public var key: String
        public var values: [String]
    }

    public let axes: [Axis]

    /// Parses `--grid KEY=V1,V2,...` arguments (a key given twice is an error).
    public static func parse(_ specs: [String]) throws -> SweepGrid {
        var axes: [Axis] = []
        for spec in specs {
            guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex else {
                throw PipelineError.malformedOverride(spec, reason: "a grid axis is KEY=V1,V2,... (e.g. lr=1e-4,3e-4)")
            }
            let key = String(spec[..<equals])
            let values = spec[spec.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard !values.contains(where: \.isEmpty) else {
                throw PipelineError.malformedOverride(spec, reason: "an empty value; separate values by single commas")
            }
            guard !axes.contains(where: { $0.key == key }) else {
                throw PipelineError.malformedOverride(spec, reason: "'\(key)' is on two axes; give all its values in one --grid")
            }
            axes.append(Axis(key: key, values: values.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }))
        }
        return SweepGrid(axes: axes)
    }

    /// Every combination, the first axis varying slowest.
    public var points: [[String: String]] {
        axes.reduce([[:]]) { points, axis in
            points.flatMap { point in axis.values.map { value in point.merging([axis.key: value]) { $1 } } }
        }
    }
}
