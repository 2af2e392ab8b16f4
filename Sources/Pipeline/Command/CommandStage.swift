import Cache
import Foundation

/// Turns a `Command` into a stage of kind "command": checks the declaration, and keys it.
enum CommandStage {
    /// The kind name of every command stage (`--set slurm.command.cpus=4` reaches them all).
    static let kind = "command"
    /// Bump when what the runner does around a command changes (placement, environment,
    /// how outputs are stored): every command stage's key changes with it.
    static let runnerVersion = "1"
    static let code = CodeFingerprint(files: ["pipe/command-runner": runnerVersion])

    static func stage(name: String, command: Command, summary: String?) throws -> Stage {
        let inputs = try check(name: name, command: command)
        var passed = command.environment
        for variable in command.passEnvironment {
            passed[variable] = ProcessInfo.processInfo.environment[variable]
        }
        let environment = passed
        let declared = declaration(command, environment: environment)
        let parameters = ResolvedParameters(declared: declared.canonical) {
            resolved(declared, command: command, environment: environment).canonical
        }
        return Stage(
            name: name, kind: kind,
            summary: summary ?? "runs " + command.argv.prefix(3).joined(separator: " "),
            parameters: parameters, inputs: inputs, outputs: command.outputs.sorted(), metrics: command.metrics, code: Lazy { code },
            resources: command.resources,
            body: { context in try CommandRunner(command: command, environment: environment).run(context) })
    }

    /// The key's document before anything is resolved: what the pipeline says.
    private static func declaration(_ command: Command, environment: [String: String]) -> JSONValue {
        var env: [String: JSONValue] = [:]
        for name in command.passEnvironment { env[name] = .null }
        for (name, value) in environment { env[name] = .string(value) }
        return .object([
            "argv": .array(command.argv.map { .string($0) }),
            "environment": .object(env),
            "outputs": .array(command.outputs.sorted().map { .string($0) }),
            "runner": .string(runnerVersion),
            "tools": .object(Dictionary(uniqueKeysWithValues: command.tools.map {
                ($0.name, JSONValue.object(["command": .array($0.argv.map { .string($0) })]))
            })),
        ])
    }

    /// The declaration with the program's digest and each tool's identity filled in.
    private static func resolved(_ declared: JSONValue, command: Command, environment: [String: String]) -> JSONValue {
        guard case var .object(members) = declared else { return declared }
        let variables = CommandEnvironment.variables(declared: environment, temporary: nil)
        let path = variables["PATH"] ?? CommandEnvironment.defaultPath
        members["program"] = .string(CommandIdentity.program(command.argv[0], path: path).keyText)
        members["tools"] = .object(Dictionary(uniqueKeysWithValues: command.tools.map { tool in
            (tool.name, JSONValue.object([
                "command": .array(tool.argv.map { .string($0) }),
                "identity": .string(CommandIdentity.tool(tool, environment: variables).keyText),
            ]))
        }))
        return .object(members)
    }

    /// The stage's inputs by placement path, after checking every path and name.
    private static func check(name: String, command: Command) throws -> [String: ArtifactRef] {
        func fail(_ reason: String) -> PipelineError { .badCommand(stage: name, reason: reason) }
        guard let program = command.argv.first, !program.isEmpty else { throw fail("its argv is empty") }
        guard !command.outputs.isEmpty else { throw fail("it declares no outputs; a stage's result is its outputs") }
        let inputs = command.allInputs
        if Set(command.files).count != command.files.count || command.files.contains(where: { command.inputs[$0] != nil }) {
            throw fail("an input path is declared twice")
        }
        for path in inputs.keys.sorted() + command.outputs {
            if let problem = CommandPaths.problem(path) { throw fail(problem) }
        }
        let inputPaths = inputs.keys.map(CommandPaths.normalized)
        let outputPaths = command.outputs.map(CommandPaths.normalized)
        guard Set(outputPaths).count == outputPaths.count else { throw fail("an output path is declared twice") }
        for output in outputPaths {
            if let input = inputPaths.first(where: { CommandPaths.contains($0, output) || CommandPaths.contains(output, $0) }) {
                throw fail("output '\(output)' overlaps input '\(input)': inputs are read-only, write outputs elsewhere")
            }
        }
        for (path, ref) in inputs {
            guard case let .output(upstream, output) = ref else { continue }
            if Stage.isDirectory(output: output) != path.hasSuffix("/") {
                throw fail("input '\(path)' is \(upstream)'s output '\(output)'; a directory output is placed at a path "
                    + "ending in '/' and a file at one that does not")
            }
        }
        if program.contains("/") && !program.hasPrefix("/") {
            let placed = CommandPaths.normalized(program)
            guard inputPaths.contains(placed) else {
                throw fail("argv[0] '\(program)' is a path in the stage's directory but no input is placed there; "
                    + "add it to files: [\"\(placed)\"]")
            }
        }
        if let both = command.passEnvironment.first(where: { command.environment[$0] != nil }) {
            throw fail("variable '\(both)' is both set (environment:) and passed through (passEnvironment:); choose one")
        }
        for variable in Array(command.environment.keys) + command.passEnvironment
        where !CommandEnvironment.isValidName(variable) {
            throw fail("'\(variable)' is not a valid environment variable name")
        }
        for metric in command.metrics where !command.outputs.contains(metric) || Stage.isDirectory(output: metric) {
            throw fail("metrics '\(metric)' is not one of its file outputs; declare it in outputs: too")
        }
        let toolNames = command.tools.map(\.name)
        guard Set(toolNames).count == toolNames.count else { throw fail("two tools have the same name") }
        if let empty = command.tools.first(where: { $0.argv.isEmpty }) { throw fail("tool '\(empty.name)' has an empty command") }
        return inputs
    }
}
