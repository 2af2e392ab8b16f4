import Foundation

/// Everything talking to a remote cache can fail with: what failed, where, and the fix.
public enum RemoteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `--remote` names neither a configured remote nor a URL or path pipe understands.
    case unknownRemote(name: String, configPath: String, known: [String])
    /// A URL-like string without `http://`, `https://` or `file://`.
    case missingScheme(String)
    /// A scheme pipe cannot talk to.
    case unsupportedScheme(url: String, scheme: String)
    /// The remotes config file is not the JSON pipe writes.
    case badConfig(path: String, reason: String)
    /// The server could not be reached (refused, DNS, timeout), after retries.
    case unreachable(url: String, reason: String, attempts: Int)
    /// The server answered with an HTTP status pipe cannot use, after retries for 5xx.
    case httpStatus(url: String, status: Int, attempts: Int)
    /// A downloaded blob does not hash to its name: it was rejected and not stored.
    case digestMismatch(url: String, expected: Digest, actual: Digest)
    /// A downloaded /ac/ entry is not a pipe action record for that key.
    case badAction(url: String, reason: String)
    /// A directory remote could not be read or written.
    case io(path: String, reason: String)
    /// A bundle file is not a pipe bundle (or is damaged).
    case badBundle(path: String, reason: String)
    /// A target's result is not in the local store, so it cannot be pushed or exported.
    case notBuilt(stages: [String])

    public var description: String {
        switch self {
        case let .unknownRemote(name, configPath, known):
            return "no remote named '\(name)' in \(configPath) (known: \(known.isEmpty ? "none" : known.joined(separator: ", "))); "
                + "add it with `pipe remote add \(name) URL`, or pass a URL (http://, https://) or a directory path"
        case let .missingScheme(url):
            return "remote '\(url)' has no scheme; write http://\(url) or https://\(url) for a server, "
                + "or an absolute path (/…) or file:// URL for a shared directory"
        case let .unsupportedScheme(url, scheme):
            return "remote \(url): unsupported scheme '\(scheme)'; use http://, https:// or a directory path"
        case let .badConfig(path, reason):
            return "the remotes config \(path) is unreadable (\(reason)); fix or delete it, "
                + "it should look like {\"remotes\": {\"NAME\": \"URL\"}} (`pipe remote add` writes it)"
        case let .unreachable(url, reason, attempts):
            return "cannot reach remote \(url) (\(reason)) after \(attempts) attempt\(attempts == 1 ? "" : "s"); "
                + "check that the server is running and the URL is right, or build without --remote"
        case let .httpStatus(url, status, attempts):
            let hint: String
            switch status {
            case 401, 403: hint = "set PIPE_REMOTE_TOKEN (bearer) or PIPE_REMOTE_USER/PIPE_REMOTE_PASSWORD, or add the host to ~/.netrc"
            case 405, 501: hint = "the server does not accept this method: enable PUT (nginx: dav_methods PUT)"
            case 413: hint = "the server refuses large bodies (nginx: client_max_body_size 0)"
            default: hint = "check the server's log"
            }
            return "remote \(url) answered HTTP \(status) after \(attempts) attempt\(attempts == 1 ? "" : "s"); \(hint)"
        case let .digestMismatch(url, expected, actual):
            return "blob from \(url) hashes to \(actual.short), not \(expected.short): rejected, not stored; "
                + "the remote copy is corrupt: the stage is recomputed locally; build with --push to replace it, "
                + "or delete it on the server"
        case let .badAction(url, reason):
            return "stage result \(url) is not usable (\(reason)); ignoring it; delete it on the server"
        case let .io(path, reason):
            return "remote directory \(path): \(reason); check that it is mounted and writable"
        case let .badBundle(path, reason):
            return "\(path) is not a usable pipe bundle (\(reason)); export it again with `pipe export`"
        case let .notBuilt(stages):
            return "not in the local store: \(stages.joined(separator: ", ")); build the target first (`pipe build`)"
        }
    }
}
