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
        subcommands: [Add.self, List.self, Remove.self, Clean.self])

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

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove what uploads killed midway left in a directory remote's tmp/.",
            discussion: """
                Entries reach a directory remote whole (written to tmp/, then renamed), so a \
                killed push leaves only a temp file behind, never a damaged entry. This removes \
                temp files older than --grace that no live writer holds. (An HTTP server keeps \
                its own partial uploads.)
                """)
        @Argument(help: "The remote's name or its directory.") var name: String
        @Option(name: .long, help: ArgumentHelp("Leave temp files written this recently (e.g. 0, 30m, 2h).", valueName: "duration"))
        var grace = "1h"
        @Flag(name: .long, help: "Report what would be removed, remove nothing.") var dryRun = false

        func validate() throws {
            if DurationText.seconds(grace) == nil {
                throw ValidationError("--grace: '\(grace)' is not a duration (examples: 0, 90s, 30m, 2h, 1d)")
            }
        }

        func run() throws {
            try reportingErrors {
                let remote = try RemoteOptions.loadConfig().resolve(name, attempts: 1)
                guard let directory = remote as? DirectoryRemote else {
                    throw ValidationError("'\(name)' is \(remote.location), not a directory remote: an HTTP server cleans up its own uploads")
                }
                let count = try directory.sweepTemporary(olderThan: DurationText.seconds(grace)!, dryRun: dryRun)
                print("\(dryRun ? "would remove" : "removed") \(count) temp files left by killed uploads in \(directory.root.path)/tmp")
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
