import Foundation

/// A file in the temporary directory, removed on deinit: a child's output, read while or after
/// it runs.
final class TemporaryFile {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-test-\(UUID().uuidString)")
    let handle: FileHandle

    init() throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }

    /// What was written so far (invalid UTF-8 replaced, so a stray byte cannot hide the rest).
    var contents: String { String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self) }
}
