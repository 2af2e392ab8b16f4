import Foundation

extension TreeArchive {
    /// Writes every entry of `archive` under `directory` (created with its parents), streaming,
    /// with modes 0755 (directories, executables) or 0644. Throws `Failure` for an entry with an
    /// absolute path or a `..` component, an entry that is neither file, directory nor PAX
    /// header, a bad header checksum or a truncated archive, and for a destination path that
    /// goes through a symlink; nothing is ever written outside `directory`. Entries before the
    /// bad one stay written: remove `directory` after a failure.
    public static func extract(_ archive: URL, into directory: URL) throws {
        let source = archive.standardizedFileURL.path, top = directory.standardizedFileURL.path
        var prefix = ""
        for component in top.split(separator: "/") {
            prefix += "/\(component)"
            try POSIX.makeDirectory(prefix)
        }
        let extractor = try TreeExtractor(archive: source, into: top)
        try extractor.run()
    }
}
