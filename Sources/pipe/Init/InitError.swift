import Foundation

/// Why `pipe init` wrote nothing; each says what to do instead.
enum InitError: Error, CustomStringConvertible {
    case notEmpty(String, entries: [String])
    case notADirectory(String)
    case noCheckout
    case notACheckout(String, reason: String)
    case badName(String)
    case cannotWrite(String, reason: String)

    var description: String {
        switch self {
        case let .notEmpty(path, entries):
            let shown = entries.prefix(3).joined(separator: ", ") + (entries.count > 3 ? ", ..." : "")
            return "\(path) is not empty (it holds \(shown)); pipe init writes only into a new or empty "
                + "directory, so it never overwrites your files. Choose a new directory name."
        case let .notADirectory(path):
            return "\(path) exists and is not a directory; choose a new directory name"
        case .noCheckout:
            return "this pipe was not built from a checkout that is still on this machine; give "
                + "--pipe-path DIR (a clone of pipe) or --pipe-url URL"
        case let .notACheckout(path, reason):
            return "--pipe-path \(path) is not a checkout of pipe: \(reason)"
        case let .badName(name):
            return "'\(name)' cannot name a Swift package; give --name with letters, digits, '-' or '_'"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
