import Foundation

/// The project's named remotes, kept in `.pipe/remotes.json` under the project directory (the
/// current directory): `{"remotes": {"NAME": "URL or directory"}}`. `pipe remote add/list/remove`
/// edits it; it holds no credentials (see RemoteCredentials), so it can be committed.
public struct RemoteConfig: Sendable, Equatable {
    /// Name -> URL (`http://…`, `https://…`, `file://…`) or directory path.
    public var remotes: [String: String]
    /// The file this config was read from and is saved to.
    public let path: String

    /// `.pipe/remotes.json` under `directory`.
    public static func path(in directory: URL) -> String {
        directory.standardizedFileURL.appendingPathComponent(".pipe/remotes.json").path
    }

    /// Reads the config at `path`; a missing file is an empty config, a malformed one an error.
    public static func load(path: String) throws -> RemoteConfig {
        guard FileManager.default.fileExists(atPath: path) else { return RemoteConfig(remotes: [:], path: path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw RemoteError.badConfig(path: path, reason: error.localizedDescription)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw RemoteError.badConfig(path: path, reason: "not JSON")
        }
        guard let top = object as? [String: Any], let entries = top["remotes"] as? [String: Any] else {
            throw RemoteError.badConfig(path: path, reason: "no \"remotes\" object at the top")
        }
        var remotes: [String: String] = [:]
        for (name, value) in entries {
            guard let url = value as? String else {
                throw RemoteError.badConfig(path: path, reason: "remote '\(name)' is not a string")
            }
            remotes[name] = url
        }
        return RemoteConfig(remotes: remotes, path: path)
    }

    /// Writes the config (temp file + rename, so a crash never leaves half a file).
    public func save() throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let data = try JSONSerialization.data(withJSONObject: ["remotes": remotes],
                                                  options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RemoteError.badConfig(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Checks that `spec` is a URL or path pipe can use (for `pipe remote add`).
    public static func validate(_ spec: String) throws {
        guard isLocation(spec) else {
            throw looksLikeHost(spec) ? RemoteError.missingScheme(spec)
                : RemoteError.badConfig(path: spec, reason: "not a URL or a directory path")
        }
        _ = try open(location: spec)
    }

    /// The remote `spec` names: a configured remote's name, a URL, or a directory path.
    public func resolve(_ spec: String, attempts: Int = 4) throws -> Remote {
        if Self.isLocation(spec) { return try Self.open(location: spec, attempts: attempts) }
        if let location = remotes[spec] {
            guard Self.isLocation(location) else {
                throw RemoteError.badConfig(path: path, reason: "remote '\(spec)' = '\(location)' has no scheme: "
                                            + "write http://\(location) or an absolute directory path")
            }
            return try Self.open(location: location, attempts: attempts)
        }
        if Self.looksLikeHost(spec) { throw RemoteError.missingScheme(spec) }
        throw RemoteError.unknownRemote(name: spec, configPath: path, known: remotes.keys.sorted())
    }

    static func isLocation(_ spec: String) -> Bool {
        spec.contains("://") || spec.hasPrefix("/") || spec.hasPrefix("./") || spec.hasPrefix("../")
    }

    /// "cache.example.com:8080/x" or "localhost:9090": meant as a URL, scheme forgotten.
    static func looksLikeHost(_ spec: String) -> Bool {
        spec.contains(".") || spec.contains(":") || spec.contains("/")
    }

    /// The remote at a URL or directory path (credentials from the environment or ~/.netrc).
    public static func open(location: String, attempts: Int = 4) throws -> Remote {
        guard let range = location.range(of: "://") else {
            return DirectoryRemote(root: URL(fileURLWithPath: location, isDirectory: true))
        }
        let scheme = location[..<range.lowerBound].lowercased()
        switch scheme {
        case "http", "https":
            guard let url = URL(string: location), url.host != nil, !(url.host ?? "").isEmpty else {
                throw RemoteError.badConfig(path: location, reason: "not a valid URL")
            }
            return HTTPRemote(base: url, attempts: attempts)
        case "file":
            guard let url = URL(string: location), url.isFileURL else {
                throw RemoteError.badConfig(path: location, reason: "not a valid file:// URL")
            }
            return DirectoryRemote(root: url)
        default:
            throw RemoteError.unsupportedScheme(url: location, scheme: scheme)
        }
    }
}
