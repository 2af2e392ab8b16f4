import Cache
import Foundation
import Testing
@testable import Pipeline

// Working directories of failed stages (FailedDirectories): moved out of scratch, the newest kept.

@Suite struct FailedDirectoriesTests {
    /// A directory in a stage's scratch space holding one file, `name`.
    func scratchDirectory(_ workspace: Workspace, _ name: String) throws -> URL {
        let directory = workspace.root.appendingPathComponent("scratch-\(name)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(name.utf8).write(to: directory.appendingPathComponent(name))
        return directory
    }

    @Test func theNewestAreKeptAndTheSameKeyReplacesItsOwn() throws {
        let workspace = try Workspace()
        var kept: [String] = []
        for i in 0..<(FailedDirectories.limit + 2) {
            let key = Digest.of(Data("key \(i)".utf8))
            let path = try #require(FailedDirectories.keep(try scratchDirectory(workspace, "f\(i)"), stage: "s\(i)", key: key,
                                                           store: workspace.store))
            #expect(FileManager.default.fileExists(atPath: path + "/f\(i)"))
            kept.append(path)
            // Distinct modification times even on coarse clocks.
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(FailedDirectories.list(workspace.store).map(\.path) == Array(kept.suffix(FailedDirectories.limit).reversed()))
        #expect(!FileManager.default.fileExists(atPath: kept[0]) && !FileManager.default.fileExists(atPath: kept[1]))

        // The same stage and key again: replaced, not added.
        let last = Digest.of(Data("key \(FailedDirectories.limit + 1)".utf8))
        let again = try #require(FailedDirectories.keep(try scratchDirectory(workspace, "again"), stage: "s\(FailedDirectories.limit + 1)",
                                                        key: last, store: workspace.store))
        #expect(again == kept.last)
        #expect(try FileManager.default.contentsOfDirectory(atPath: again) == ["again"])
        #expect(FailedDirectories.list(workspace.store).count == FailedDirectories.limit)

        FailedDirectories.forget(stage: "s\(FailedDirectories.limit + 1)", key: last, store: workspace.store)
        #expect(!FileManager.default.fileExists(atPath: again))
        #expect(FailedDirectories.prune(workspace.store, dryRun: true) == FailedDirectories.limit - 1)
        #expect(FailedDirectories.prune(workspace.store) == FailedDirectories.limit - 1)
        #expect(FailedDirectories.list(workspace.store).isEmpty)
    }

    @Test func nothingToKeepKeepsNothing() throws {
        let workspace = try Workspace()
        let key = Digest.of(Data("k".utf8))
        #expect(FailedDirectories.keep(nil, stage: "s", key: key, store: workspace.store) == nil)
        #expect(FailedDirectories.keep(workspace.root.appendingPathComponent("absent"), stage: "s", key: key,
                                       store: workspace.store) == nil)
        #expect(FailedDirectories.list(workspace.store).isEmpty)
    }
}
