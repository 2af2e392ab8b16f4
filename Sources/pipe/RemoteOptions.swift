import ArgumentParser
import Cache
import Foundation

/// `--remote NAME|URL`: the shared cache a command reads from (and writes to, with push).
struct RemoteOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A shared cache: a name from .pipe/remotes.json, an http(s):// URL, or a directory path.",
        valueName: "name|url"))
    var remote: String?

    /// The remotes config of the project in the current directory.
    static func loadConfig() throws -> RemoteConfig {
        try RemoteConfig.load(path: RemoteConfig.path(in: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)))
    }

    /// Tries per HTTP request: PIPE_REMOTE_ATTEMPTS, else 4.
    static var attempts: Int {
        ProcessInfo.processInfo.environment["PIPE_REMOTE_ATTEMPTS"].flatMap(Int.init) ?? 4
    }

    /// The cache between `store` and the remote named by `spec`, reporting transfers on stderr.
    static func cache(_ spec: String, store: ArtifactStore, push: Bool, verb: String) throws -> RemoteCache {
        cache(try loadConfig().resolve(spec, attempts: attempts), store: store, push: push, verb: verb)
    }

    static func cache(_ remote: Remote, store: ArtifactStore, push: Bool, verb: String) -> RemoteCache {
        let progress = TransferProgress(verb: verb) { line in
            FileHandle.standardError.write(Data("pipe: remote: \(line)\n".utf8))
        }
        return RemoteCache(store: store, remote: remote, pushesBuilds: push, concurrency: 4, progress: progress)
    }
}
