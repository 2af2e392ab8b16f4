import ArgumentParser
import Foundation

/// Options every command that reads the pipeline or the store accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The artifact store directory (default: $PIPE_STORE, else ./artifacts).", valueName: "dir"))
    var store: String?

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override a setting, e.g. --set distill.epochs=10 (repeatable; `pipe list --settings` lists them).",
        valueName: "key=value"))
    var settings: [String] = []

    var storeURL: URL {
        let path = store ?? ProcessInfo.processInfo.environment["PIPE_STORE"] ?? "artifacts"
        return URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }
}
