import Foundation

/// How pipe authenticates to an HTTP remote, found without ever putting a secret on the command
/// line: `PIPE_REMOTE_TOKEN` (bearer), else `PIPE_REMOTE_USER` + `PIPE_REMOTE_PASSWORD` (basic),
/// else the remote's host in `~/.netrc` (or `$NETRC`).
public struct RemoteCredentials: Sendable {
    /// The Authorization header value. Never printed.
    let header: String

    /// The credentials for `url` (nil: from the environment only), or nil if there are none.
    public static func find(for url: URL?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> RemoteCredentials? {
        if let token = environment["PIPE_REMOTE_TOKEN"], !token.isEmpty {
            return RemoteCredentials(header: "Bearer \(token)")
        }
        if let user = environment["PIPE_REMOTE_USER"], let password = environment["PIPE_REMOTE_PASSWORD"] {
            return basic(user, password)
        }
        if let user = url?.user, let password = url?.password { return basic(user, password) }
        guard let host = url?.host else { return nil }
        let netrc = environment["NETRC"] ?? "\(environment["HOME"] ?? NSHomeDirectory())/.netrc"
        guard let text = try? String(contentsOfFile: netrc, encoding: .utf8) else { return nil }
        return netrcEntry(text, host: host).map { basic($0.login, $0.password) }
    }

    private static func basic(_ user: String, _ password: String) -> RemoteCredentials {
        RemoteCredentials(header: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    /// The login and password of `machine host` (or `default`) in netrc text.
    static func netrcEntry(_ text: String, host: String) -> (login: String, password: String)? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).map(String.init)
        var entries: [(machine: String?, login: String, password: String)] = []
        var i = 0
        while i < tokens.count {
            guard tokens[i] == "machine" || tokens[i] == "default" else { i += 1; continue }
            let machine: String? = tokens[i] == "machine" && i + 1 < tokens.count ? tokens[i + 1] : nil
            i += machine == nil ? 1 : 2
            var login = "", password = ""
            while i + 1 < tokens.count, tokens[i] != "machine", tokens[i] != "default" {
                if tokens[i] == "login" { login = tokens[i + 1] }
                if tokens[i] == "password" { password = tokens[i + 1] }
                i += 2
            }
            entries.append((machine, login, password))
        }
        let match = entries.first { $0.machine == host } ?? entries.first { $0.machine == nil }
        return match.map { ($0.login, $0.password) }
    }

    /// `url` without its user and password, for messages.
    static func redacted(_ url: URL) -> String {
        guard url.user != nil || url.password != nil,
              var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        components.user = nil
        components.password = nil
        return components.string ?? url.absoluteString
    }
}
