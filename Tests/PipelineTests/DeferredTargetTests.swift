import Foundation
import Testing
@testable import Pipeline

// Targets declared with a closure are defined only when a command needs them; whatever the command
// asks for, it sees the same stages, settings and errors as with every target defined.
@Suite struct DeferredTargetTests {
    /// Two targets sharing stage "a"; counts how often each target's closure ran.
    final class Runs { var one = 0, two = 0 }

    func define(_ requested: [String]?, overrides: [String: String] = [:], runs: Runs = Runs()) throws -> PipelineDefinition {
        let p = PipelineBuilder(config: Config(overrides: overrides), requested: requested)
        try p.target("one", summary: "first") {
            runs.one += 1
            let times = try p.config.int("one.times", 1, "repetitions of one")
            return p.stage("one.all", Join.self, .init(), inputs: ["a": p.stage("a", Emit.self, .init(text: "a"))["out"],
                                                                   "b": p.stage("b", Emit.self, .init(text: "b", times: times))["out"]])
        }
        try p.target("two", summary: "second") {
            runs.two += 1
            let times = try p.config.int("two.times", 1, "repetitions of two")
            return p.stage("two.all", Join.self, .init(), inputs: ["a": p.stage("a", Emit.self, .init(text: "a"))["out"],
                                                                   "c": p.stage("c", Emit.self, .init(text: "c", times: times))["out"]])
        }
        return try p.finish()
    }

    @Test func onlyTheRequestedTargetIsDefined() throws {
        let runs = Runs()
        let pipeline = try define(["two"], runs: runs)
        #expect(runs.one == 0 && runs.two == 1)
        #expect(pipeline.stages.map(\.name) == ["a", "c", "two.all"])
        #expect(pipeline.targets.map(\.name) == ["two"])
        // The same stage as when every target is defined: same parameters, same inputs.
        let all = try define(nil)
        #expect(all.stages.map(\.name) == ["a", "b", "one.all", "c", "two.all"])
        #expect(all.targets.map(\.name) == ["one", "two"])
        #expect(pipeline.stage(named: "two.all")!.params == all.stage(named: "two.all")!.params)
        #expect(pipeline.stage(named: "two.all")!.inputs == all.stage(named: "two.all")!.inputs)
    }

    @Test func aStageNameOrAnUnknownNameDefinesEverything() throws {
        let runs = Runs()
        // "b" is a stage of the deferred target "one": it must resolve.
        let pipeline = try define(["two", "b"], runs: runs)
        #expect(runs.one == 1 && runs.two == 1)
        #expect(try pipeline.resolve("b").name == "b")
        // A typo's suggestions come from every target, defined or not.
        let typo = try define(["onw"])
        #expect(throws: PipelineError.unknownTarget("onw", suggestions: ["one"])) { try typo.resolve("onw") }
    }

    @Test func anOverrideOfADeferredTargetsSettingIsNoError() throws {
        let runs = Runs()
        let pipeline = try define(["two"], overrides: ["one.times": "3"], runs: runs)
        #expect(runs.one == 1)
        #expect(pipeline.stage(named: "b")!.params.contains("3"))
        // An override nobody declares is still an error, with suggestions from every target's settings.
        #expect(throws: PipelineError.unknownSetting("one.time", suggestions: ["one.times"])) {
            try define(["two"], overrides: ["one.time": "3"])
        }
    }

    @Test func aSweepDefinesOnlyItsTargetAtEveryPoint() throws {
        let runs = Runs()
        let grid = try SweepGrid.parse(["two.times=1,2,3"])
        let sweep = try Sweep.make(target: "two", base: [:], grid: grid) { p in
            try p.target("one", summary: "") { runs.one += 1; return p.stage("b", Emit.self, .init(text: "b")) }
            try p.target("two", summary: "") {
                runs.two += 1
                let times = try p.config.int("two.times", 1, "")
                return p.stage("c", Emit.self, .init(text: "c", times: times))
            }
        }
        #expect(runs.one == 0 && runs.two == 3)
        #expect(sweep.pipeline.stages.count == 3 && sweep.points.count == 3)
    }

    @Test func aDuplicateDeferredTargetIsAnError() throws {
        let p = PipelineBuilder(requested: ["x"])
        try p.target("x", summary: "") { p.stage("a", Emit.self, .init(text: "a")) }
        try p.target("y", summary: "") { p.stage("b", Emit.self, .init(text: "b")) }
        try p.target("y", summary: "") { p.stage("c", Emit.self, .init(text: "c")) }
        #expect(throws: PipelineError.duplicateTarget("y")) { try p.finish() }
    }
}
