import Foundation

/// A checked pipeline: stages with resolvable inputs, no cycles, unique names.
public struct PipelineDefinition: Sendable {
    /// Stages in the order they were added.
    public let stages: [Stage]
    public let targets: [Target]
    public let settings: [Config.Entry]
    private let index: [String: Int]

    public init(stages: [Stage], targets: [Target], settings: [Config.Entry] = []) throws {
        var index: [String: Int] = [:]
        for (i, stage) in stages.enumerated() {
            if index[stage.name] != nil { throw PipelineError.duplicateStage(stage.name) }
            index[stage.name] = i
        }
        self.stages = stages
        self.targets = targets
        self.settings = settings
        self.index = index
        try validate()
    }

    public func stage(named name: String) -> Stage? { index[name].map { stages[$0] } }
    public func target(named name: String) -> Target? { targets.first { $0.name == name } }

    /// Resolves a target or stage name to its stage, suggesting close names when there is none.
    public func resolve(_ name: String) throws -> Stage {
        if let target = target(named: name) { return stage(named: target.stage)! }
        if let stage = stage(named: name) { return stage }
        throw PipelineError.unknownTarget(name, suggestions: Suggest.closest(
            to: name, in: targets.map(\.name) + stages.map(\.name)))
    }

    /// The named stages and everything they need, dependencies first (stable: definition order).
    public func closure(of names: [String]) -> [Stage] {
        var needed = Set<String>()
        var stack = names
        while let name = stack.popLast() {
            guard needed.insert(name).inserted, let stage = stage(named: name) else { continue }
            stack.append(contentsOf: stage.upstream)
        }
        // Every upstream of a needed stage is needed, so ordering only these gives the same
        // order as filtering the whole pipeline's, at the cost of the closure alone.
        return Self.ordered(stages.filter { needed.contains($0.name) })
    }

    /// Stages that depend on `name`, directly or not.
    public func downstream(of name: String) -> [Stage] {
        var result = Set<String>([name])
        for stage in topologicalOrder() where stage.upstream.contains(where: result.contains) {
            result.insert(stage.name)
        }
        result.remove(name)
        return topologicalOrder().filter { result.contains($0.name) }
    }

    /// All stages, each after its inputs; ties keep definition order.
    public func topologicalOrder() -> [Stage] { Self.ordered(stages) }

    /// `stages` (closed under upstream) each after its inputs, in rounds; ties keep their order.
    private static func ordered(_ stages: [Stage]) -> [Stage] {
        var placed = Set<String>()
        var result: [Stage] = []
        var remaining = stages
        while !remaining.isEmpty {
            let (ready, waiting) = (remaining.filter { $0.upstream.allSatisfy(placed.contains) },
                                    remaining.filter { !$0.upstream.allSatisfy(placed.contains) })
            precondition(!ready.isEmpty, "validate() admits no cycles")
            result += ready
            ready.forEach { placed.insert($0.name) }
            remaining = waiting
        }
        return result
    }

    private func validate() throws {
        for stage in stages {
            for (input, ref) in stage.inputs.sorted(by: { $0.key < $1.key }) {
                guard case let .output(upstream, output) = ref else { continue }
                guard let producer = self.stage(named: upstream) else {
                    throw PipelineError.unknownInputStage(stage: stage.name, input: input, missing: upstream)
                }
                guard producer.outputs.contains(output) else {
                    throw PipelineError.unknownOutput(stage: stage.name, input: input, upstream: upstream,
                                                      output: output, available: producer.outputs)
                }
            }
        }
        for target in targets where stage(named: target.stage) == nil {
            throw PipelineError.unknownStage(target.stage, suggestions: [])
        }
        if let cycle = findCycle() { throw PipelineError.cycle(cycle) }
    }

    /// A cycle as a path that starts and ends at the same stage, rotated to start at the
    /// alphabetically first stage on it so the message is the same whatever the search order.
    private func findCycle() -> [String]? {
        var state: [String: Int] = [:]  // 1 = on the current path, 2 = done
        var path: [String] = []
        func visit(_ name: String) -> [String]? {
            if state[name] == 2 { return nil }
            if state[name] == 1 {
                let loop = Array(path[path.lastIndex(of: name)!...])
                let start = loop.indices.min { loop[$0] < loop[$1] }!
                let rotated = Array(loop[start...] + loop[..<start])
                return rotated + [rotated[0]]
            }
            state[name] = 1
            path.append(name)
            for next in stage(named: name)?.upstream ?? [] {
                if let cycle = visit(next) { return cycle }
            }
            path.removeLast()
            state[name] = 2
            return nil
        }
        for stage in stages { if let cycle = visit(stage.name) { return cycle.reversed() } }
        return nil
    }
}
