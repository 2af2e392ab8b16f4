import ArgumentParser
import Foundation

/// `pipe init DIR`: a new project of one's own, a Swift package that depends on pipe.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Start a project of your own: a package with its own pipeline, stage kinds and store.",
        discussion: """
            Writes DIR (new, or empty but for .git), a Swift package depending on pipe:
              Sources/Experiments/pipeline.swift  the stages, settings and targets
              Sources/StageKinds/                 a stage kind in Swift (make-points)
              scripts/fit.py                      a command stage's program (Python)
              scripts/pipe                        builds when a source changed, then runs
              Tests/, README.md, .gitignore
            Then: cd DIR && scripts/pipe build fit

            pipe is a dependency by path (--pipe-path; by default the checkout this pipe
            was built from) or by git URL (--pipe-url URL, with --pipe-version 0.1.0 or
            the main branch).
            """)

    @Argument(help: ArgumentHelp("The directory to create.", valueName: "dir"))
    var directory: String

    @Option(name: .long, help: ArgumentHelp("The package's name (default: the directory's name).", valueName: "name"))
    var name: String?

    @Option(name: .long, help: ArgumentHelp("Depend on the pipe checkout at this path.", valueName: "path"))
    var pipePath: String?

    @Option(name: .customLong("pipe-url"), help: ArgumentHelp("Depend on pipe by git URL instead of a path.", valueName: "url"))
    var pipeURL: String?

    @Option(name: .long, help: ArgumentHelp("With --pipe-url: the version to start from (default: the main branch).",
                                            valueName: "version"))
    var pipeVersion: String?

    func validate() throws {
        if pipePath != nil, pipeURL != nil { throw ValidationError("give --pipe-path or --pipe-url, not both") }
        if pipeVersion != nil, pipeURL == nil { throw ValidationError("--pipe-version goes with --pipe-url") }
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: directory).standardizedFileURL
            let project = ProjectTemplate(name: name ?? target.lastPathComponent, dependency: try dependency())
            try project.write(into: target)
            print(target.path)
            FileHandle.standardError.write(Data("""
                pipe: a new project is in \(target.path); build its example with:
                  cd \(TemplateScripts.shellWord(directory)) && scripts/pipe build fit

                """.utf8))
        }
    }

    /// Where the new package gets pipe from.
    private func dependency() throws -> PipeDependency {
        if let pipeURL { return .url(pipeURL, version: pipeVersion) }
        if let pipePath { return .path(try PipeDependency.checkout(at: URL(fileURLWithPath: pipePath).standardizedFileURL)) }
        guard let built = PipeDependency.builtFrom else { throw InitError.noCheckout }
        return .path(built)
    }
}
