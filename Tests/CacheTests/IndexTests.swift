import Foundation
import Testing
@testable import Cache

@Suite struct IndexTests {
    let fixture = try! StoreFixture()

    var indexPath: String { fixture.root.path + "/index.sqlite" }

    /// Writes `version` into the SQLite header's user_version field (offset 60, big-endian) of
    /// a closed index, as another pipe would have left it.
    func stampIndex(version: UInt32) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: indexPath))
        defer { try? handle.close() }
        try handle.seek(toOffset: 60)
        try handle.write(contentsOf: withUnsafeBytes(of: version.bigEndian) { Data($0) })
    }

    /// A store with one blob and one action, closed again.
    func populate() throws -> Digest {
        let store = try fixture.open()
        let model = try store.put(Data("weights".utf8))
        try store.record(sampleAction("a", outputs: ["model": model]))
        return model
    }

    @Test func reopeningKeepsEverything() throws {
        let model = try populate()
        let store = try fixture.open()
        #expect(try store.action(for: key("a"))?.outputs == ["model": model])
        #expect(fixture.warningsSoFar.isEmpty)
    }

    @Test func newerIndexIsRefused() throws {
        _ = try populate()
        try stampIndex(version: 99)
        let error = #expect(throws: StoreError.self) { try fixture.open() }
        #expect(error == .newerIndexFormat(path: indexPath, found: 99, supported: IndexSchema.version))
        #expect(error?.description.contains("found v99, this pipe supports v\(IndexSchema.version)") == true)
        #expect(error?.description.contains("upgrade pipe or use another --store") == true)
    }

    @Test func garbageIndexStartsOverWithAWarning() throws {
        try FileManager.default.createDirectory(at: fixture.root, withIntermediateDirectories: true)
        try randomBytes(10_000).write(to: URL(fileURLWithPath: indexPath))

        let store = try fixture.open()
        #expect(fixture.warningsSoFar.count == 1)
        #expect(fixture.warningsSoFar.first?.contains("starting over") == true)
        let aside = try FileManager.default.contentsOfDirectory(atPath: fixture.root.path)
            .filter { $0.hasPrefix("index.sqlite.broken-") }
        #expect(aside.count == 1)
        // And it works.
        let model = try store.put(Data("weights".utf8))
        try store.record(sampleAction("a", outputs: ["model": model]))
        #expect(try fixture.open().action(for: key("a")) != nil)
        #expect(fixture.warningsSoFar.count == 1)
    }

    @Test func olderIndexStartsOverButBlobsStay() throws {
        let model = try populate()
        try stampIndex(version: 0)   // tables but no version: an index this pipe did not write
        let store = try fixture.open()
        #expect(fixture.warningsSoFar.first?.contains("starting over") == true)
        #expect(try store.action(for: key("a")) == nil)
        #expect(store.contains(model))
    }

    @Test func rootUnderARegularFileIsNotWritable() throws {
        let file = fixture.directory.appendingPathComponent("a-file")
        try Data().write(to: file)
        let root = file.appendingPathComponent("store")
        let error = #expect(throws: StoreError.self) { try ArtifactStore(root: root) }
        guard case .notWritable(let path, _)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path.hasPrefix(file.path))
        #expect(error?.description.contains("pass another --store") == true)
    }

    @Test(.enabled(if: geteuid() != 0, "root writes through chmod"))
    func readOnlyRootIsNotWritable() throws {
        _ = try populate()
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: fixture.root.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fixture.root.path) }
        #expect(throws: StoreError.notWritable(path: fixture.root.path, reason: String(cString: strerror(EACCES)))) {
            try fixture.open()
        }
    }
}
