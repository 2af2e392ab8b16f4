import ArgumentParser
import Cache
import Foundation

/// `pipe remote add|list|remove`: the project's named remotes in .pipe/remotes.json.
struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Manage the project's named shared caches (.pipe/remotes.json in the current directory).",
        discussion: """
            A remote is a directory (a shared file system: safe for many writers) or an HTTP(S) \
            server speaking Bazel's remote cache protocol (bazel-remote, nginx with WebDAV PUT). \
            Credentials never go in the file: PIPE_REMOTE_TOKEN (bearer), PIPE_REMOTE_USER and \
            PIPE_REMOTE_PASSWORD (basic), or ~/.netrc. PIPE_REMOTE_ATTEMPTS (default 4) bounds \
            the tries of each HTTP request (retried on 5xx and connection errors, with backoff).

            Examples:
              pipe remote add team http://cache.lan:8080/pipe
              pipe remote add nfs /mnt/shared/pipe-cache
              pipe build figure-exp2 --remote team --push
              pipe pull figure-exp2 --remote team
            """,
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Name a remote (replacing one of the same name).")
        @Argument(help: "The name, e.g. team.") var name: String
        @Argument(help: "http(s)://host[:port][/path], file:///path, or a directory path.") var url: String

        func run() throws {
            try reportingErrors {
                try RemoteConfig.validate(url)
                var config = try RemoteOptions.loadConfig()
                // Relative directories are stored absolute: the file may be read from elsewhere.
                let location = url.hasPrefix("./") || url.hasPrefix("../")
                    ? URL(fileURLWithPath: url).standardizedFileURL.path : url
                config.remotes[name] = location
                try config.save()
                print("remote \(name) = \(location) (in \(config.path))")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the named remotes.")
        func run() throws {
            try reportingErrors {
                let config = try RemoteOptions.loadConfig()
                for name in config.remotes.keys.sorted() { print("\(name)\t\(config.remotes[name]!)") }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a named remote (its contents stay).")
        @Argument(help: "The name.") var name: String
        func run() throws {
            try reportingErrors {
                var config = try RemoteOptions.loadConfig()
                guard config.remotes.removeValue(forKey: name) != nil else {
                    throw RemoteError.unknownRemote(name: name, configPath: config.path, known: config.remotes.keys.sorted())
                }
                try config.save()
                print("removed remote \(name)")
            }
        }
    }
}
