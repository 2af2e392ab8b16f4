import Cache
import Foundation
import Testing
@testable import Pipeline

/// A command stage's body run in-process on a StageContext (no store): placement, outputs, failures.
@Suite struct CommandRunnerTests {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-runner-\(UUID().uuidString)")

    func stage(_ command: Command) throws -> Stage {
        let p = PipelineBuilder()
        p.stage("up", Emit.self, .init(text: "x"))
        p.command("c", command)
        return try p.finish().stage(named: "c")!
    }

    func run(_ command: Command, inputs: [String: Data] = [:]) throws -> (StageContext, [String]) {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let lines = LockedLines()
        let context = StageContext(inputs: inputs, scratch: scratch, onLog: { lines.append($0) })
        try stage(command).body(context)
        return (context, lines.all)
    }

    @Test func inputsArePlacedAndOutputsCollectedAsFilesAndTrees() throws {
        defer { InputPlacement.makeRemovable(scratch); try? FileManager.default.removeItem(at: scratch) }
        let command = Command(["sh", "-c", "cat in/a.txt > out.txt; mkdir -p d/e; echo y > d/e/f; echo said; "
                                   + "touch in/a.txt 2>/dev/null; true"],
                              inputs: ["in/a.txt": .output(stage: "up", name: "out")], outputs: ["out.txt", "d/"])
        let (context, lines) = try run(command, inputs: ["in/a.txt": Data("hello".utf8)])
        #expect(try context.outputBytes("out.txt") == Data("hello".utf8))
        #expect(lines.contains("said"), "\(lines)")
        let tree = try #require(context.outputFiles["d/"])
        let extracted = scratch.appendingPathComponent("extracted")
        try TreeArchive.extract(tree, into: extracted)
        #expect(try String(contentsOf: extracted.appendingPathComponent("e/f"), encoding: .utf8) == "y\n")
    }

    @Test func aFailingCommandReportsItsStatusAndLastLines() throws {
        defer { InputPlacement.makeRemovable(scratch); try? FileManager.default.removeItem(at: scratch) }
        do {
            _ = try run(Command(["sh", "-c", "for i in $(seq 30); do echo line $i; done; exit 7"], outputs: ["o"]))
            Issue.record("no error")
        } catch let error as CommandError {
            let text = "\(error)"
            #expect(text.hasPrefix("`sh -c 'for i in $(seq 30); do echo line $i; done; exit 7'` exited with status 7"), "\(text)")
            #expect(text.contains("| line 30") && text.contains("| line 11") && !text.contains("| line 10\n"), "\(text)")
        }
    }

    @Test func aSignalIsNamed() {
        #expect(CommandError.status(137) == "was killed by SIGKILL (out of memory?) (status 137)")
        #expect(CommandError.status(2) == "exited with status 2")
    }
}

/// Log lines gathered from a stage's context, thread-safe.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
