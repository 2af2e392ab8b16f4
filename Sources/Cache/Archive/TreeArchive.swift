// Kept: no Swift tar package in the package mirror (ZIPFoundation is zip, compress-nio gzip), and GNU tar 1.34 and bsdtar (libarchive 3.6) write a 139 MB, 1008-file tree at 0.35-0.41x its speed and extract it at 0.65-0.97x (CPU time, best of 7, two runs; extraction swings with the page cache): `scripts/swiftpm build -c release --product LibraryBenchmark && .build/release/LibraryBenchmark --rounds 7`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A directory stored as one artifact: a deterministic POSIX tar (ustar, with PAX headers for
/// long or non-ASCII paths), written and extracted as a stream.
///
/// Entries are directories (0755) and regular files (0755 if owner-executable, else 0644), in
/// TreeWalk order, with mtime 0, uid/gid 0 and no owner names: the same tree gives the same
/// bytes whatever its file times, owners or readdir order, so it gets the same digest.
/// GNU tar and Python's tarfile read these archives.
public enum TreeArchive {
    /// Why a tree could not be archived or extracted.
    public typealias Failure = TreeFailure

    /// Bytes copied at a time: trees hold model weights of hundreds of MB.
    static let chunkSize = 1 << 20

    /// Writes the tree under `directory` to the file `archive` (replacing it). Symlinks whose
    /// resolved target is a regular file inside `root` (the boundary, e.g. the stage's scratch
    /// directory) are stored as that file; any other symlink, a device, socket or fifo throws
    /// `Failure`, and no archive is left behind.
    public static func write(directory: URL, to archive: URL, root: URL) throws {
        let top = directory.standardizedFileURL.path, destination = archive.standardizedFileURL.path
        try refuseSymlinkedTop(top)
        try refuseArchiveInside(top, archive: destination)
        let output = try ArchiveWriter(path: destination)
        do {
            try TreeWalk.visit(top, operation: .archive, linkBoundary: root.standardizedFileURL.path) { entry in
                switch entry {
                case .directory(let path):
                    try output.appendHeader(path: path, mode: 0o755, size: 0, typeflag: TarHeader.directory)
                case .file(let path, let source, _):
                    try output.appendFile(path: path, source: source)
                }
            }
            try output.finish()
        } catch {
            output.abandon()
            throw error
        }
    }

    /// An archive inside its own tree would be read while it grows.
    private static func refuseArchiveInside(_ top: String, archive: String) throws {
        let parent = (archive as NSString).deletingLastPathComponent
        guard let realTop = try TreeWalk.realPath(top), let realParent = try TreeWalk.realPath(parent),
              (realParent + "/").hasPrefix(realTop + "/") else { return }
        let relative = String((realParent + "/").dropFirst(realTop.count + 1)) + (archive as NSString).lastPathComponent
        throw TreeFailure(.archive, top, entry: relative, .archiveInsideTree)
    }

    /// The directory itself is not followed either: a command could make its output a link to
    /// anywhere on the machine.
    private static func refuseSymlinkedTop(_ top: String) throws {
        var info = stat()
        guard lstat(top, &info) == 0, info.fileType == mode_t(S_IFLNK) else { return }
        throw TreeFailure(.archive, top, .topIsSymlink(target: try TreeWalk.realPath(top) ?? TreeWalk.linkText(top)))
    }
}
