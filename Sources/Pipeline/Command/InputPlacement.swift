import Cache
import Foundation

/// Puts a command's inputs where it expects them in its directory, as private copies (a
/// command can change nothing of the project or the store), made read-only.
enum InputPlacement {
    /// Places input `name` (a relative path; "…/" for a directory) from its source in `context`.
    static func place(_ name: String, ref: ArtifactRef, in work: URL, context: StageContext) throws {
        let destination = work.appendingPathComponent(CommandPaths.normalized(name))
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        let source = try context.inputFile(name)
        switch ref {
        case .file:
            if isDirectory(source.path) { try copyTree(source, to: destination) } else { try copyFile(source.path, to: destination.path) }
        case let .output(_, output):
            if Stage.isDirectory(output: output) {
                try TreeArchive.extract(source, into: destination)
                try? FileManager.default.removeItem(at: source)
            } else if rename(source.path, destination.path) != 0 {
                // The blob was restored into scratch for this run alone: moving it is free.
                try copyFile(source.path, to: destination.path)
            }
        }
        try makeReadOnly(destination)
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// Copies a regular file's bytes in the kernel (copy_file_range), keeping the exec bit.
    static func copyFile(_ source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw CommandError.placement(path: source, reason: String(cString: strerror(errno))) }
        defer { close(input) }
        var status = stat()
        fstat(input, &status)
        let mode = (status.st_mode & 0o100) != 0 ? mode_t(0o755) : mode_t(0o644)
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard output >= 0 else { throw CommandError.placement(path: destination, reason: String(cString: strerror(errno))) }
        defer { close(output) }
        var remaining = Int(status.st_size)
        while remaining > 0 {
            guard let copyRange = Self.copyFileRange else { return try copyByReading(input, output, path: source) }
            let copied = copyRange(input, nil, output, nil, remaining, 0)
            if copied < 0 && errno == EINTR { continue }
            if copied <= 0 {
                // Across file systems some kernels refuse: fall back to read/write.
                if copied < 0, [EXDEV, ENOSYS, EINVAL, EOPNOTSUPP].contains(errno) {
                    try copyByReading(input, output, path: source)
                    return
                }
                throw CommandError.placement(path: destination, reason: copied == 0 ? "\(source) shrank while copied"
                                                                               : String(cString: strerror(errno)))
            }
            remaining -= copied
        }
    }

    /// glibc's copy_file_range (2.27+), which Swift's Glibc module does not declare.
    private typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32,
                                                      UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int
    private static let copyFileRange: CopyFileRange? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "copy_file_range")
        .map { unsafeBitCast($0, to: CopyFileRange.self) }

    private static func copyByReading(_ input: Int32, _ output: Int32, path: String) throws {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = read(input, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            var offset = 0
            while offset < count {
                let written = buffer[offset..<count].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
                guard written > 0 else { throw CommandError.placement(path: path, reason: String(cString: strerror(errno))) }
                offset += written
            }
        }
    }

    /// Copies a project directory: its files (symlinks to files followed, as its digest does)
    /// and subdirectories.
    static func copyTree(_ source: URL, to destination: URL) throws {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: source.path).sorted()
        for name in names {
            let from = source.appendingPathComponent(name), to = destination.appendingPathComponent(name)
            if isDirectory(from.path) { try copyTree(from, to: to) } else { try copyFile(from.path, to: to.path) }
        }
    }

    /// Files 0444 (0555 if executable), directories 0555, recursively.
    static func makeReadOnly(_ url: URL) throws {
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] {
                try makeReadOnly(url.appendingPathComponent(name))
            }
            chmod(url.path, 0o555)
        } else if (status.st_mode & S_IFMT) == S_IFREG {
            chmod(url.path, (status.st_mode & 0o100) != 0 ? 0o555 : 0o444)
        }
    }

    /// Makes every directory under `url` writable again, so the scratch directory can be removed.
    static func makeRemovable(_ url: URL) {
        var status = stat()
        guard lstat(url.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else { return }
        chmod(url.path, 0o755)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] {
            makeRemovable(url.appendingPathComponent(name))
        }
    }
}
