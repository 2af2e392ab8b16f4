import Cache
import Foundation

/// Copies a target's outputs out of the store to `<results>/<target>/<output>`, the stable
/// place users and papers point at. Files already holding the right bytes are left alone.
public enum ResultFiles {
    public static func materialize(target: String, outputs: [String: Digest], store: ArtifactStore,
                                   results: URL) throws -> [URL] {
        let directory = results.appendingPathComponent(target, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [URL] = []
        for (name, digest) in outputs.sorted(by: { $0.key < $1.key }) {
            let file = directory.appendingPathComponent(name)
            written.append(file)
            if let existing = try? Data(contentsOf: file), Digest.of(existing) == digest { continue }
            try store.get(digest).write(to: file, options: .atomic)
        }
        return written
    }
}
