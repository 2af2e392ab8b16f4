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
        try write(namespace, name) { temp in try data.withUnsafeBytes { try temp.write($0) } }
    }

    /// Copies `file` in chunks into `<root>/tmp/`, then renames it into place: a copy cut short
    /// (killed, disk full) leaves only a temp file, which `sweepTemporary` removes.
    public func upload(_ namespace: RemoteNamespace, _ name: String, from file: URL) throws {
        let source = try POSIX.openFile(file.path, O_RDONLY)
        defer { close(source) }
        try write(namespace, name) { temp in
            try POSIX.forEachChunk(of: source, path: file.path) { try temp.write($0) }
        }
    }

    public func download(_ namespace: RemoteNamespace, _ name: String, to file: URL) throws -> Bool {
        let path = path(namespace, name)
        let source: Int32
        do { source = try POSIX.openFile(path, O_RDONLY) } catch StoreError.io(_, _, ENOENT) { return false } catch {
            throw RemoteError.io(path: path, reason: "cannot read (\(error))")
        }
        defer { close(source) }
        let destination = try POSIX.openFile(file.path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        defer { close(destination) }
        do {
            try POSIX.forEachChunk(of: source, path: path) { try POSIX.writeAll(destination, $0, path: file.path) }
        } catch StoreError.io(let operation, path, let code) {
            // Reading the remote failed (writing the local file throws its own StoreError).
            throw RemoteError.io(path: path, reason: "cannot \(operation) (\(String(cString: strerror(code))))")
        }
        return true
    }

    /// Writes an entry through a temp file in `<root>/tmp/` renamed into place, so readers see
    /// all of it or nothing.
    private func write(_ namespace: RemoteNamespace, _ name: String, _ fill: (TempFile) throws -> Void) throws {
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
            try fill(temp)
            try temp.publish(to: path(namespace, name))
        } catch let error as StoreError {
            throw RemoteError.io(path: directory, reason: "\(error)")
        }
    }
}
