import Foundation

/// A program run as a stage: its argv, what it reads and writes, and what identifies it.
///
/// Everything here enters the stage's key: the argv (after the pipeline's settings were
/// interpolated into it), the digests of the inputs, the declared environment, the digest of the
/// program argv[0] resolves to, and each tool's identity (`CommandTool`). Nothing else of pipe's
/// environment reaches the command but `CommandEnvironment.passedThrough`.
public struct Command: Sendable {
    /// The program and its arguments; argv[0] is looked up on PATH unless it holds a "/"
    /// (then it is a path in the stage's directory: one of its inputs, or absolute).
    public var argv: [String]
    /// Project files and directories (relative to where pipe runs), placed at the same relative
    /// path in the stage's directory: the script itself belongs here.
    public var files: [String]
    /// Other inputs by the relative path they are placed at: outputs of other stages
    /// (`teacher["state"]`, `plots["figures/"]`) or files anywhere (`.file(path: "/data/x")`).
    public var inputs: [String: ArtifactRef]
    /// Relative paths the command writes; a path ending in "/" is a directory, stored as one artifact.
    public var outputs: [String]
    /// Variables set for the command, part of the key.
    public var environment: [String: String]
    /// Names of variables taken from pipe's own environment when the pipeline is built; their
    /// values (or their absence) are part of the key.
    public var passEnvironment: [String]
    /// Commands whose output identifies what the program depends on (a library's version).
    public var tools: [CommandTool]
    /// What a run needs on a cluster.
    public var resources: StageResources
    /// Outputs that are metrics: JSON objects of named numbers (see `StageKind.metrics`).
    public var metrics: [String] = []

    public init(_ argv: [String], files: [String] = [], inputs: [String: ArtifactRef] = [:], outputs: [String],
                environment: [String: String] = [:], passEnvironment: [String] = [], tools: [CommandTool] = [],
                resources: StageResources = .standard) {
        self.argv = argv
        self.files = files
        self.inputs = inputs
        self.outputs = outputs
        self.environment = environment
        self.passEnvironment = passEnvironment
        self.tools = tools
        self.resources = resources
    }

    /// A shell script, run as `sh -c SCRIPT`: only when a pipeline, a glob or a redirection is
    /// really wanted (the programs it calls are not identified; declare them as tools).
    public static func shell(_ script: String, files: [String] = [], inputs: [String: ArtifactRef] = [:],
                             outputs: [String], environment: [String: String] = [:], passEnvironment: [String] = [],
                             tools: [CommandTool] = [], resources: StageResources = .standard) -> Command {
        Command(["sh", "-c", script], files: files, inputs: inputs, outputs: outputs, environment: environment,
                passEnvironment: passEnvironment, tools: tools, resources: resources)
    }

    /// Every input by its placement path: `files` at their own path, then `inputs`.
    var allInputs: [String: ArtifactRef] {
        var all = inputs
        for path in files { all[path] = .file(path: path) }
        return all
    }
}

extension PipelineBuilder {
    /// Adds (or reuses) a stage that runs `command`; its handle names its outputs by path
    /// (`train["model.pt"]`, `train["plots/"]`).
    @discardableResult
    public func command(_ name: String, _ command: Command, summary: String? = nil) -> StageHandle {
        add(name) { try CommandStage.stage(name: name, command: command, summary: summary) }
    }

    /// Adds (or reuses) a stage that runs `argv`; see `Command` for what each argument means.
    @discardableResult
    public func command(_ name: String, _ argv: [String], files: [String] = [], inputs: [String: ArtifactRef] = [:],
                        outputs: [String], environment: [String: String] = [:], passEnvironment: [String] = [],
                        tools: [CommandTool] = [], resources: StageResources = .standard, metrics: [String] = [],
                        summary: String? = nil) -> StageHandle {
        var declared = Command(argv, files: files, inputs: inputs, outputs: outputs, environment: environment,
                               passEnvironment: passEnvironment, tools: tools, resources: resources)
        declared.metrics = metrics
        return command(name, declared, summary: summary)
    }
}
