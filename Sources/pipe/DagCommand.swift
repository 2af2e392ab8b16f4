import ArgumentParser
import Foundation
import Pipeline

struct DagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag",
        abstract: "Show the stages a target needs as a tree, or as Graphviz DOT with --dot.",
        discussion: "Render the DOT form with: pipe dag figure-exp2 --dot | dot -Tsvg > dag.svg")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The target or stage.")
    var target: String

    @Flag(name: .long, help: "Print Graphviz DOT instead of a text tree.")
    var dot = false

    func run() throws {
        try reportingErrors {
            let pipeline = try Session(global, needs: [target]).pipeline
            let root = try pipeline.resolve(target)
            if dot {
                print(DagText.dot(pipeline.closure(of: [root.name])))
            } else {
                print(DagText.tree(root.name, pipeline: pipeline), terminator: "")
            }
        }
    }
}

/// Text forms of the graph.
enum DagText {
    /// An indented tree of inputs; a stage already shown is marked (*) and not expanded again.
    static func tree(_ root: String, pipeline: PipelineDefinition) -> String {
        var out = ""
        var shown = Set<String>()
        func visit(_ name: String, _ prefix: String, _ label: String, _ isLast: Bool, _ isRoot: Bool) {
            let stage = pipeline.stage(named: name)!
            let branch = isRoot ? "" : (isLast ? "└── " : "├── ")
            let repeated = shown.contains(name)
            out += prefix + branch + label + name + " [\(stage.kind)]" + (repeated ? " (*)" : "") + "\n"
            guard !repeated else { return }
            shown.insert(name)
            let children = stage.inputs.sorted { $0.key < $1.key }
            let childPrefix = prefix + (isRoot ? "" : (isLast ? "    " : "│   "))
            for (i, (input, ref)) in children.enumerated() {
                let last = i == children.count - 1
                switch ref {
                case let .output(upstream, output):
                    visit(upstream, childPrefix, "\(input) <- \(output) of ", last, false)
                case let .file(path):
                    out += childPrefix + (last ? "└── " : "├── ") + "\(input) <- file \(path)\n"
                }
            }
        }
        visit(root, "", "", true, true)
        return out
    }

    static func dot(_ stages: [Stage]) -> String {
        var lines = ["digraph pipe {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
        for stage in stages {
            lines.append("  \"\(stage.name)\" [label=\"\(stage.name)\\n[\(stage.kind)]\"];")
            for (input, ref) in stage.inputs.sorted(by: { $0.key < $1.key }) {
                if case let .output(upstream, output) = ref {
                    lines.append("  \"\(upstream)\" -> \"\(stage.name)\" [label=\"\(output == input ? output : "\(output)→\(input)")\"];")
                }
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
