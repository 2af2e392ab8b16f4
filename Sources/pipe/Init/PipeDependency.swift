import Foundation

/// How a new project's Package.swift names pipe: a local checkout, or a git URL.
enum PipeDependency: Equatable {
    case path(URL)
    case url(String, version: String?)

    /// The package's identity, which `.product(name:package:)` must use: the last component of
    /// the path or URL, whatever the checkout's directory happens to be called.
    var identity: String {
        switch self {
        case let .path(url): url.lastPathComponent.lowercased()
        case let .url(text, _):
            { $0.hasSuffix(".git") ? String($0.dropLast(4)) : $0 }(String(text.split(separator: "/").last ?? "pipe")).lowercased()
        }
    }

    /// The line of Package.swift's dependencies.
    var manifestLine: String {
        switch self {
        case let .path(url): ".package(path: \(swiftLiteral(url.path)))"
        case let .url(text, version?): ".package(url: \(swiftLiteral(text)), from: \(swiftLiteral(version)))"
        case let .url(text, nil): ".package(url: \(swiftLiteral(text)), branch: \"main\")"
        }
    }

    /// The checkout this binary was compiled from, if it is still there.
    static var builtFrom: URL? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()  // Init/
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try? checkout(at: root)
    }

    /// `directory` if it holds pipe's package, else an error that says what it found.
    static func checkout(at directory: URL) throws -> URL {
        let manifest = directory.appendingPathComponent("Package.swift")
        guard let text = try? String(contentsOf: manifest, encoding: .utf8) else {
            throw InitError.notACheckout(directory.path, reason: "it has no Package.swift")
        }
        guard text.contains("name: \"pipe\""), text.contains("SourceFingerprintPlugin") else {
            throw InitError.notACheckout(directory.path, reason: "its Package.swift is not pipe's")
        }
        return directory
    }

    private func swiftLiteral(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
