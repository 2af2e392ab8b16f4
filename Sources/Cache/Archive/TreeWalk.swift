#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A directory tree in the order pipe archives and hashes it, so a tree's archive and its
/// digest see the same entries: directories and regular files, sorted by the UTF-8 bytes of
/// their paths relative to the top (directory paths end in "/", so a directory comes right
/// before its contents), whatever order readdir returns them in.
enum TreeWalk {
    /// One entry below the top directory.
    enum Entry {
        /// `path` relative to the top, ending in "/".
        case directory(path: String)
        /// `path` relative to the top; `source` is the file holding its bytes: the entry
        /// itself, or a symlink's resolved target.
        case file(path: String, source: String, executable: Bool)
    }

    /// Calls `body` for every entry under `top` (not `top` itself), in order. Symlinks to
    /// regular files become files with their target's bytes; with `linkBoundary`, only targets
    /// inside it (after realpath) are allowed. Any other symlink, and devices, sockets and
    /// fifos, throw `TreeFailure`; a missing `top` throws StoreError.io ENOENT.
    static func visit(_ top: String, operation: TreeFailure.Operation, linkBoundary: String?,
                      _ body: (Entry) throws -> Void) throws {
        guard let info = try POSIX.fileStatus(top) else {
            throw StoreError.io(operation: operation.rawValue, path: top, errno: ENOENT)
        }
        guard info.isDirectory else { throw TreeFailure(operation, top, .notADirectory) }
        let walk = Walk(top: top, operation: operation,
                        boundary: try linkBoundary.map { boundary in
                            guard let real = try realPath(boundary) else {
                                throw StoreError.io(operation: "resolve", path: boundary, errno: ENOENT)
                            }
                            return real
                        })
        try walk.visit(directory: top, relative: "", body)
    }

    /// realpath(3): `path` with every symlink, "." and ".." resolved; nil when it does not
    /// exist or its links loop.
    static func realPath(_ path: String) throws -> String? {
        guard let resolved = realpath(path, nil) else {
            if errno == ENOENT || errno == ELOOP || errno == ENOTDIR { return nil }
            throw StoreError.io(operation: "resolve", path: path, errno: errno)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// What a symlink says, for messages ("?" if it cannot be read).
    static func linkText(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return "?" }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// One walk's fixed parameters.
    private struct Walk {
        let top: String
        let operation: TreeFailure.Operation
        let boundary: String?

        func visit(directory: String, relative: String, _ body: (Entry) throws -> Void) throws {
            var children: [(key: [UInt8], entry: Entry)] = []
            for name in try Self.names(in: directory) {
                let entry = try classify(name, in: directory, relative: relative)
                switch entry {
                case .directory(let path), .file(let path, _, _):
                    children.append((Array(path.utf8.dropFirst(relative.utf8.count)), entry))
                }
            }
            children.sort { $0.key.lexicographicallyPrecedes($1.key) }
            for (_, entry) in children {
                try body(entry)
                if case .directory(let path) = entry {
                    try visit(directory: "\(top)/\(path.dropLast())", relative: path, body)
                }
            }
        }

        private func failure(_ entry: String, _ reason: TreeFailure.Reason) -> TreeFailure {
            TreeFailure(operation, top, entry: entry, reason)
        }

        private func classify(_ rawName: [UInt8], in directory: String, relative: String) throws -> Entry {
            guard let name = String(validating: rawName, as: UTF8.self) else {
                throw failure(relative + String(decoding: rawName, as: UTF8.self), .unsupportedName(why: "that is not UTF-8"))
            }
            // The digest manifest is one line per entry: a newline in a name could forge lines.
            guard !name.contains("\n") else {
                throw failure(relative + name.replacingOccurrences(of: "\n", with: "\\n"),
                              .unsupportedName(why: "containing a newline"))
            }
            let path = "\(directory)/\(name)", entryPath = relative + name
            var info = stat()
            guard lstat(path, &info) == 0 else { throw StoreError.io(operation: "stat", path: path, errno: errno) }
            if info.isDirectory { return .directory(path: entryPath + "/") }
            if info.isRegularFile { return .file(path: entryPath, source: path, executable: info.isOwnerExecutable) }
            guard info.fileType == mode_t(S_IFLNK) else { throw failure(entryPath, .unsupportedType(kind: info.kindName)) }

            let text = TreeWalk.linkText(path)
            guard let target = try TreeWalk.realPath(path) else { throw failure(entryPath, .danglingSymlink(target: text)) }
            guard let targetInfo = try POSIX.fileStatus(target) else { throw failure(entryPath, .danglingSymlink(target: text)) }
            guard targetInfo.isRegularFile else {
                throw failure(entryPath, .symlinkToNonFile(target: target, kind: targetInfo.kindName))
            }
            if let boundary, !(boundary == "/" || target.hasPrefix(boundary + "/")) {
                throw failure(entryPath, .symlinkOutsideRoot(target: target, root: boundary))
            }
            return .file(path: entryPath, source: target, executable: targetInfo.isOwnerExecutable)
        }

        /// The names in `directory` as raw bytes (no "." or "..").
        private static func names(in directory: String) throws -> [[UInt8]] {
            guard let handle = opendir(directory) else { throw StoreError.io(operation: "list", path: directory, errno: errno) }
            defer { closedir(handle) }
            var names: [[UInt8]] = []
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                if name != [46] && name != [46, 46] { names.append(name) }
            }
            return names
        }
    }
}

extension stat {
    var fileType: mode_t { st_mode & mode_t(S_IFMT) }
    var isDirectory: Bool { fileType == mode_t(S_IFDIR) }
    var isRegularFile: Bool { fileType == mode_t(S_IFREG) }
    /// The bit pipe keeps of a file's mode: archives and digests record 0755 or 0644.
    var isOwnerExecutable: Bool { st_mode & mode_t(S_IXUSR) != 0 }

    /// "a fifo", "a directory"... for messages.
    var kindName: String {
        switch fileType {
        case mode_t(S_IFDIR): return "a directory"
        case mode_t(S_IFREG): return "a regular file"
        case mode_t(S_IFLNK): return "a symlink"
        case mode_t(S_IFIFO): return "a fifo"
        case mode_t(S_IFSOCK): return "a socket"
        case mode_t(S_IFCHR): return "a character device"
        case mode_t(S_IFBLK): return "a block device"
        default: return "a special file"
        }
    }
}
