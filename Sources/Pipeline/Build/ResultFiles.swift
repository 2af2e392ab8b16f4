import Cache
import Foundation

/// Copies a target's outputs out of the store to `<results>/<target>/<output>`, the stable
/// place users and papers point at. Files already holding the right bytes are left alone; a
/// directory output ("plots/") becomes a directory there, replaced whole when it changed.
public enum ResultFiles {
    /// Beside an extracted directory output: the digest it was extracted from.
    static let directoryStamp = ".pipe-digest"

    public static func materialize(target: String, outputs: [String: Digest], store: ArtifactStore,
                                   results: URL) throws -> [URL] {
        let directory = results.appendingPathComponent(target, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [URL] = []
        for (name, digest) in outputs.sorted(by: { $0.key < $1.key }) {
            let relative = name.split(separator: "/").joined(separator: "/")
            let file = directory.appendingPathComponent(relative, isDirectory: Stage.isDirectory(output: name))
            written.append(file)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            if Stage.isDirectory(output: name) {
                try materializeDirectory(digest, at: file, store: store)
                continue
            }
            if let existing = try? Data(contentsOf: file), Digest.of(existing) == digest { continue }
            try store.get(digest).write(to: file, options: .atomic)
        }
        return written
    }

    /// Extracts a tree archive beside `url`, then swaps it in, so a reader never sees half of it.
    private static func materializeDirectory(_ digest: Digest, at url: URL, store: ArtifactStore) throws {
        let stamp = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + directoryStamp)
        let manager = FileManager.default
        if manager.fileExists(atPath: url.path), (try? String(contentsOf: stamp, encoding: .utf8)) == digest.hex { return }
        let staging = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).new")
        let archive = staging.appendingPathExtension("tar")
        defer {
            try? manager.removeItem(at: archive)
            try? manager.removeItem(at: staging)
        }
        try? manager.removeItem(at: staging)
        try store.get(digest, to: archive)
        try TreeArchive.extract(archive, into: staging)
        try? manager.removeItem(at: url)
        try manager.moveItem(at: staging, to: url)
        try Data(digest.hex.utf8).write(to: stamp, options: .atomic)
    }
}
