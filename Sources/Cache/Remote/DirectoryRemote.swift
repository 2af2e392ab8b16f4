import Foundation

/// A remote cache in a shared directory (NFS, a mounted volume), laid out like the HTTP
/// protocol's paths: `<root>/cas/<sha256>` and `<root>/ac/<key>`. The same tree served by
/// nginx is therefore an HTTP remote too.
///
/// Safe for several writers on several hosts without any lock or database: every entry is
/// written to `<root>/tmp/` and renamed into place (atomic on one file system), and entries are
/// content-addressed (cas) or replace each other whole (ac), so racing writers are harmless.
public struct DirectoryRemote: Remote {
    public let root: URL
    public var location: String { root.path }

    public init(root: URL) { self.root = root.standardizedFileURL }

    func path(_ namespace: RemoteNamespace, _ name: String) -> String {
        "\(root.path)/\(namespace.rawValue)/\(name)"
    }

    public func get(_ namespace: RemoteNamespace, _ name: String) throws -> Data? {
        let path = path(namespace, name)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RemoteError.io(path: path, reason: "cannot read (\(error.localizedDescription))")
        }
    }

    public func has(_ namespace: RemoteNamespace, _ name: String) throws -> Bool {
        FileManager.default.fileExists(atPath: path(namespace, name))
    }

    public func put(_ namespace: RemoteNamespace, _ name: String, _ data: Data) throws {
        let directory = "\(root.path)/\(namespace.rawValue)"
        let tmp = "\(root.path)/tmp"
        for dir in [directory, tmp] {
            do { _ = try POSIX.makeDirectory(dir) } catch {
                // The root itself may be missing: create the whole path once.
                do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                    throw RemoteError.io(path: dir, reason: "cannot create (\(error.localizedDescription))")
                }
            }
        }
        do {
            let temp = try TempFile(directory: tmp, mode: 0o644)
            try data.withUnsafeBytes { try temp.write($0) }
            try temp.publish(to: path(namespace, name))
        } catch let error as StoreError {
            throw RemoteError.io(path: directory, reason: "\(error)")
        }
    }
}
