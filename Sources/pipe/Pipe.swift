import ArgumentParser
import Foundation
import Pipeline

/// Entry point: runs the command line on the pipeline that `define` builds.
public enum PipeMain {
    nonisolated(unsafe) static var define: (PipelineBuilder) throws -> Void = { _ in }

    public static func run(_ define: @escaping (PipelineBuilder) throws -> Void) -> Never {
        self.define = define
        Pipe.main()
        exit(0)
    }
}

/// The `pipe` command line, for the pipeline given to PipeMain.run.
struct Pipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Reproducible ML pipelines: every stage keyed by what determines it, run once, shared.",
        discussion: """
            A build runs only the stages whose key (parameters, input digests, code)
            has no stored result. Results live in a content-addressed store
            (./artifacts, or --store DIR, or PIPE_STORE); each built target's files
            are copied to ./results/<target>/.

            Examples (`pipe list` names the targets):
              pipe build TARGET           build the target and everything it needs
              pipe status TARGET          what is cached, what would run, and why
              pipe build TARGET --set KEY=VALUE
              pipe list --settings        the settings --set accepts
              pipe build TARGET --remote team --push
                                          share results through a remote cache
              pipe init DIR               start a project of your own
            """,
        version: "pipe \(PipeVersionText.current)",
        subcommands: [
            BuildCommand.self, StatusCommand.self, ListCommand.self, DagCommand.self,
            ShowCommand.self, InvalidateCommand.self, CheckCommand.self,
            GCCommand.self, VerifyCommand.self,
            RemoteCommand.self, PushCommand.self, PullCommand.self, ExportCommand.self, ImportCommand.self,
            SweepCommand.self, RunsCommand.self, InitCommand.self, ExecStageCommand.self,
        ])
}
