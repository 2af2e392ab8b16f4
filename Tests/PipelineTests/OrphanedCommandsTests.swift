import Foundation
import Testing
@testable import Pipeline

/// A killed pipe's command group is stopped by a later build only while that group id is still
/// the command's: an id reused by another program's group is left alone.
struct OrphanedCommandsTests {
    @Test func aGroupIdIsTheCommandsOnlyWhileItsLeaderIsTheSameProcess() throws {
        let me = getpid()
        let started = try #require(OrphanedCommands.startTime(of: me))
        #expect(OrphanedCommands.isSameGroup(me, started: started))
        #expect(!OrphanedCommands.isSameGroup(me, started: started + 1))   // the id was reused
        #expect(OrphanedCommands.isSameGroup(me, started: nil))            // written by an older pipe
        // No process with that id: the group may still hold the command's children.
        #expect(OrphanedCommands.startTime(of: Int32.max) == nil)
        #expect(OrphanedCommands.isSameGroup(Int32.max, started: started))
    }

    @Test func theGroupFileNamesHostGroupAndStartTime() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-orphans-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        OrphanedCommands.record(group: getpid(), in: scratch)
        let words = try String(contentsOf: scratch.appendingPathComponent(OrphanedCommands.groupFile), encoding: .utf8)
            .split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(words == [OrphanedCommands.host, "\(getpid())", "\(OrphanedCommands.startTime(of: getpid())!)"])
    }
}
