import Cache
import Foundation
import Testing
@testable import Pipeline

// Serialized: two tests edit the toy kinds' code digests (ToyCode.shared, one per process), and
// run side by side each saw the other's edit.
@Suite(.serialized) struct BuildTests {
    @Test func firstBuildRunsEverythingSecondRunsNothing() throws {
        let workspace = try Workspace()
        let pipeline = try diamond()
        let first = try workspace.build(pipeline, ["result"])
        #expect(Set(first.ran) == ["a", "b", "ab", "parity", "c", "final"])
        #expect(first.report.succeeded)
        // Idempotent: a second build runs zero stages.
        let second = try workspace.build(pipeline, ["result"])
        #expect(second.ran.isEmpty)
        #expect(second.report.cachedCount == 6)
        let final = second.report.results["final"]!.outputs["out"]!
        #expect(String(decoding: try workspace.store.get(final), as: UTF8.self) == "z|odd")  // inputs join in name order: c, p
    }

    /// Keys hold input digests, not stage names: two differently named stages of one kind whose
    /// inputs are equal bytes (two picks that chose the same number, as in Topic B) run once.
    @Test func stagesWithEqualInputsRunOnce() throws {
        let workspace = try Workspace()
        let p = PipelineBuilder()
        let odd1 = p.stage("pick.1", Parity.self, .init(), inputs: ["in": p.stage("x", Emit.self, .init(text: "abc"))["out"]])
        let odd2 = p.stage("pick.2", Parity.self, .init(), inputs: ["in": p.stage("y", Emit.self, .init(text: "z"))["out"]])
        let use1 = p.stage("use.1", Join.self, .init(), inputs: ["n": odd1["out"]])
        let use2 = p.stage("use.2", Join.self, .init(), inputs: ["n": odd2["out"]])
        p.target("both", p.stage("both", Join.self, .init(separator: "|"), inputs: ["1": use1["out"], "2": use2["out"]]),
                 summary: "two uses of equal picks")
        let build = try workspace.build(try p.finish(), ["both"])
        // Both picks ran (their inputs differ) and wrote "odd"; the two uses then have one key.
        #expect(Set(build.ran.filter { !$0.hasPrefix("use.") }) == ["x", "y", "pick.1", "pick.2", "both"])
        #expect(build.ran.filter { $0.hasPrefix("use.") }.count == 1)
        #expect(build.report.results["use.1"]!.key == build.report.results["use.2"]!.key)
        #expect(build.report.cachedCount == 1)
    }

    @Test func onlyTheChangedStageAndItsDependentsRerun() throws {
        let workspace = try Workspace()
        try workspace.build(diamond(), ["result"])
        let ran = try workspace.build(diamond(b: "w"), ["result"]).ran
        // ab's bytes change, so parity reruns; it reproduces "odd", so final does not (early cutoff),
        // and a and c, which do not depend on b, never do.
        #expect(ran == ["b", "ab", "parity"])
    }

    @Test func earlyCutoffStopsAtIdenticalBytes() throws {
        let workspace = try Workspace()
        try workspace.build(diamond(a: "x", aTimes: 1), ["result"])
        // "x+y" (3 bytes, odd) becomes "xxx+y" (5 bytes, odd): parity's output is the same, so
        // nothing after it runs even though everything before it did.
        let ran = try workspace.build(diamond(a: "x", aTimes: 3), ["result"]).ran
        #expect(ran == ["a", "ab", "parity"])
        // "xx+y" (4 bytes) is even: now final must run too.
        let ran2 = try workspace.build(diamond(a: "x", aTimes: 2), ["result"]).ran
        #expect(ran2 == ["a", "ab", "parity", "final"])
    }

    @Test func codeChangeRerunsTheRightStage() throws {
        func pipeline() throws -> PipelineDefinition {
            let p = PipelineBuilder()
            let a = p.stage("a", VersionedA.self, .init())
            let b = p.stage("b", VersionedB.self, .init(), inputs: ["in": a["out"]])
            p.target("t", b, summary: "")
            return try p.finish()
        }
        defer { ToyCode.shared.reset() }
        let workspace = try Workspace()
        try workspace.build(pipeline(), ["t"])
        ToyCode.shared.set("versioned-b", "v2")  // edit b's source: only b reruns
        #expect(try workspace.build(pipeline(), ["t"]).ran == ["b"])
        ToyCode.shared.set("versioned-a", "v2")  // edit a's source: a reruns; same bytes, so b does not
        #expect(try workspace.build(pipeline(), ["t"]).ran == ["a"])
    }

    @Test func statusExplainsEveryCause() throws {
        defer { ToyCode.shared.reset() }
        func pipeline(times: Int = 1) throws -> PipelineDefinition {
            let p = PipelineBuilder()
            let a = p.stage("a", Emit.self, .init(text: "x", times: times))
            let v = p.stage("v", VersionedA.self, .init())
            let j = p.stage("j", Join.self, .init(), inputs: ["1": a["out"], "2": v["out"]])
            p.target("t", j, summary: "")
            return try p.finish()
        }
        let workspace = try Workspace()
        func reasons(_ pipeline: PipelineDefinition) throws -> [String: [String]] {
            let plan = try Planner.plan(pipeline, targets: ["t"], index: workspace.store)
            var result: [String: [String]] = [:]
            for step in plan.steps { if case let .run(why) = step.decision { result[step.stage.name] = why.map(\.description) } }
            return result
        }
        #expect(try reasons(pipeline())["a"] == ["never built"])
        try workspace.build(pipeline(), ["t"])
        #expect(try reasons(pipeline()).isEmpty)
        // The plan carries the heads it read, so the build does not query them again.
        let built = try Planner.plan(pipeline(), targets: ["t"], index: workspace.store)
        #expect(try built.heads == workspace.store.heads())
        #expect(built.heads["a"] != nil && built.heads["a"] == built.step("a")?.key)

        let changed = try reasons(pipeline(times: 2))
        #expect(changed["a"] == ["parameter times changed: 1 -> 2"])
        #expect(changed["j"] == ["waits for a (runs only if that produces different outputs)"])

        ToyCode.shared.set("versioned-a", "v2")
        #expect(try reasons(pipeline())["v"] == ["code changed: Toy/VersionedA.swift"])
        ToyCode.shared.reset()

        // a rebuilt alone with new parameters: j's key is now known and its input differs.
        try workspace.build(pipeline(times: 3), ["a"])
        #expect(try reasons(pipeline(times: 3))["j"] == ["input '1' changed: a:out"])

        _ = try Invalidation.invalidate("a", downstream: false, pipeline: pipeline(times: 3), store: workspace.store)
        #expect(try reasons(pipeline(times: 3))["a"] == ["its cached result was invalidated or its artifacts are gone"])
    }

    @Test func invalidateDownstreamRerunsDependents() throws {
        let workspace = try Workspace()
        let pipeline = try diamond()
        try workspace.build(pipeline, ["result"])
        #expect(try Invalidation.invalidate("ab", downstream: false, pipeline: pipeline, store: workspace.store) == ["ab"])
        #expect(try workspace.build(pipeline, ["result"]).ran == ["ab"])  // identical rerun: cut off
        #expect(try Invalidation.invalidate("ab", downstream: true, pipeline: pipeline, store: workspace.store)
                == ["ab", "parity", "final"])
        #expect(try workspace.build(pipeline, ["result"]).ran == ["ab", "parity", "final"])
    }

    @Test func forceRerunsOneStage() throws {
        let workspace = try Workspace()
        let pipeline = try diamond()
        try workspace.build(pipeline, ["result"])
        #expect(try workspace.build(pipeline, ["result"], force: ["c"]).ran == ["c"])
    }

    @Test func failingStageSkipsDependentsAndKeepsSiblings() throws {
        let p = PipelineBuilder()
        let ok = p.stage("ok", Emit.self, .init(text: "fine"))
        let bad = p.stage("bad", Explode.self, .init(message: "the loss is NaN"))
        let after = p.stage("after", Join.self, .init(), inputs: ["1": ok["out"], "2": bad["out"]])
        p.target("t", after, summary: "")
        let pipeline = try p.finish()
        let workspace = try Workspace()
        let (_, report) = try workspace.build(pipeline, ["t"], keepGoing: true)
        #expect(!report.succeeded)
        guard case .skipped(because: "bad") = report.outcomes["after"] else {
            Issue.record("after should be skipped, is \(String(describing: report.outcomes["after"]))"); return
        }
        let message = "\(report.errors[0])"
        #expect(message.contains("stage 'bad' failed (key "))
        #expect(message.contains("the loss is NaN"))
        let logPath = try #require(message.components(separatedBy: "log: ").last)
        #expect(try String(contentsOfFile: logPath, encoding: .utf8).contains("about to fail"))
        // The sibling that finished is stored: the next build does not run it again.
        #expect(try workspace.build(pipeline, ["t"], keepGoing: true).ran == ["bad"])
    }

    @Test func missingOutputIsAnError() throws {
        let p = PipelineBuilder()
        p.target("t", p.stage("f", Forgetful.self, .init()), summary: "")
        let report = try Workspace().build(p.finish(), ["t"]).report
        #expect("\(report.errors.first!)" == "stage 'f' finished without writing its outputs: other")
    }

    @Test func corruptInputBlobIsRecomputed() throws {
        let workspace = try Workspace()
        let pipeline = try diamond()
        let first = try workspace.build(pipeline, ["result"]).report
        // Flip a byte of ab's stored output, then force its consumer to run.
        try workspace.damageBlob(first.results["ab"]!.outputs["out"]!)
        let rebuilt = try workspace.build(pipeline, ["result"], force: ["parity"])
        #expect(rebuilt.report.succeeded, "\(rebuilt.report.errors)")
        #expect(rebuilt.ran.contains("ab"))
        #expect(rebuilt.ran.last == "parity")
    }

    @Test func inputFilesAreTheFileItselfOrARestoredBlob() throws {
        let workspace = try Workspace()
        let file = workspace.root.appendingPathComponent("model.bin")
        try Data("weights".utf8).write(to: file)
        let tag = UUID().uuidString
        func pipeline() throws -> PipelineDefinition {
            let p = PipelineBuilder()
            let direct = p.stage("direct", MappedCopy.self, .init(tag: tag + "direct"), inputs: ["in": .file(path: file.path)])
            let emitted = p.stage("emitted", Emit.self, .init(text: "blob", times: 3))
            let restored = p.stage("restored", MappedCopy.self, .init(tag: tag + "restored"), inputs: ["in": emitted["out"]])
            p.target("t", p.stage("both", Join.self, .init(), inputs: ["1": direct["out"], "2": restored["out"]]), summary: "")
            return try p.finish()
        }
        let first = try workspace.build(pipeline(), ["t"])
        #expect(first.report.succeeded, "\(first.report.errors)")
        let both = try #require(first.report.results["both"]?.outputs["out"])
        #expect(String(decoding: try workspace.store.get(both), as: UTF8.self) == "weights+blobblobblob")
        // A file input is used where it lies; a stored one is restored into the stage's scratch.
        #expect(MappedCopy.paths.of(tag + "direct") == [file.path])
        let restoredPath = try #require(MappedCopy.paths.of(tag + "restored").first)
        #expect(restoredPath.hasPrefix(workspace.store.root.appendingPathComponent("tmp").path), "\(restoredPath)")
        // A corrupt blob met through inputFile: quarantined, its producer recomputed, the stage rerun.
        try workspace.damageBlob(try #require(first.report.results["emitted"]?.outputs["out"]))
        let rebuilt = try workspace.build(pipeline(), ["t"], force: ["restored"])
        #expect(rebuilt.report.succeeded, "\(rebuilt.report.errors)")
        #expect(rebuilt.ran.contains("emitted") && rebuilt.ran.last == "restored", "\(rebuilt.ran)")
    }

    @Test func externalFileInputIsKeyedByContent() throws {
        let workspace = try Workspace()
        let file = workspace.root.appendingPathComponent("data.txt")
        try Data("one".utf8).write(to: file)
        func pipeline() throws -> PipelineDefinition {
            let p = PipelineBuilder()
            p.target("t", p.stage("p", Parity.self, .init(), inputs: ["in": .file(path: file.path)]), summary: "")
            return try p.finish()
        }
        #expect(try workspace.build(pipeline(), ["t"]).ran == ["p"])
        #expect(try workspace.build(pipeline(), ["t"]).ran == [])
        try Data("three".utf8).write(to: file)
        #expect(try workspace.build(pipeline(), ["t"]).ran == ["p"])
        // A check reads the file again (its digest is not a blob of the store).
        let comparisons = try ReproducibilityCheck.run("p", pipeline: pipeline(), store: workspace.store)
        #expect(comparisons.map(\.identical) == [true])
        try Data("four!".utf8).write(to: file)
        #expect(throws: (any Error).self) { try ReproducibilityCheck.run("p", pipeline: pipeline(), store: workspace.store) }
    }

    @Test func parallelJobsGiveTheSameResults() throws {
        let serial = try Workspace(), parallel = try Workspace()
        let one = try serial.build(diamond(), ["result"]).report
        let builder = Builder(pipeline: try diamond(), store: parallel.store, options: BuildOptions(jobs: 4))
        let two = try builder.build(["result"])
        #expect(one.results["final"] == two.results["final"])
    }

    @Test func reproducibilityCheckComparesOutputs() throws {
        let workspace = try Workspace()
        try workspace.build(diamond(), ["result"])
        let comparisons = try ReproducibilityCheck.run("ab", pipeline: diamond(), store: workspace.store)
        #expect(comparisons.map(\.identical) == [true])
        let differing = ReproducibilityCheck.compare("w", stored: Data([0, 0, 128, 63]), rerun: Data([0, 0, 0, 64]))
        #expect(!differing.identical && differing.firstDifference == 2 && differing.maxFloatDifference == 1)
    }
}
