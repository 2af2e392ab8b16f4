import Foundation
import Testing
@testable import Pipeline

@Suite struct DefinitionTests {
    @Test func unknownTargetSuggestsCloseNames() throws {
        let pipeline = try diamond()
        #expect(throws: PipelineError.unknownTarget("reslt", suggestions: ["result"])) {
            try pipeline.resolve("reslt")
        }
        let message = "\(PipelineError.unknownTarget("reslt", suggestions: ["result"]))"
        #expect(message == "no target or stage named 'reslt' (did you mean 'result'?); `pipe list` shows them all")
    }

    @Test func cycleIsReportedBeforeAnythingRuns() throws {
        let p = PipelineBuilder()
        p.stage("x", Join.self, .init(), inputs: ["in": .output(stage: "z", name: "out")])
        p.stage("y", Join.self, .init(), inputs: ["in": .output(stage: "x", name: "out")])
        p.stage("z", Join.self, .init(), inputs: ["in": .output(stage: "y", name: "out")])
        #expect(throws: PipelineError.cycle(["x", "y", "z", "x"])) { try p.finish() }
        #expect("\(PipelineError.cycle(["x", "y", "z", "x"]))" == "dependency cycle: x -> y -> z -> x")
    }

    @Test func duplicateStageWithAnotherDefinitionIsAnError() throws {
        let p = PipelineBuilder()
        p.stage("a", Emit.self, .init(text: "1"))
        p.stage("a", Emit.self, .init(text: "2"))
        #expect(throws: PipelineError.duplicateStage("a")) { try p.finish() }
    }

    @Test func sameStageAddedTwiceIsShared() throws {
        let p = PipelineBuilder()
        let one = p.stage("a", Emit.self, .init(text: "1"))
        let two = p.stage("a", Emit.self, .init(text: "1"))
        #expect(one == two)
        #expect(try p.finish().stages.count == 1)
    }

    @Test func unknownInputStageAndOutput() throws {
        let p = PipelineBuilder()
        p.stage("j", Join.self, .init(), inputs: ["in": .output(stage: "nope", name: "out")])
        #expect(throws: PipelineError.unknownInputStage(stage: "j", input: "in", missing: "nope")) { try p.finish() }

        let q = PipelineBuilder()
        let a = q.stage("a", Emit.self, .init(text: "1"))
        q.stage("j", Join.self, .init(), inputs: ["in": a["weights"]])
        #expect(throws: PipelineError.unknownOutput(stage: "j", input: "in", upstream: "a", output: "weights", available: ["out"])) {
            try q.finish()
        }
    }

    @Test func settingsOverridesAndErrors() throws {
        #expect(throws: PipelineError.malformedOverride("epochs", reason: "expected KEY=VALUE")) {
            try Config.parseOverrides(["epochs"])
        }
        #expect(throws: PipelineError.malformedOverride("=3", reason: "the key before '=' is empty")) {
            try Config.parseOverrides(["=3"])
        }
        let config = Config(overrides: try Config.parseOverrides(["distill.epochs=10", "seeds=1,2"]))
        #expect(try config.int("distill.epochs", 5, "") == 10)
        #expect(try config.ints("seeds", [0], "") == [1, 2])
        #expect(try config.double("lr", 0.1, "") == 0.1)

        let bad = Config(overrides: ["distill.epochs": "ten"])
        #expect(throws: PipelineError.badOverrideValue(key: "distill.epochs", value: "ten", expected: "integer")) {
            try bad.int("distill.epochs", 5, "")
        }

        let p = PipelineBuilder(config: Config(overrides: ["distill.epoch": "3"]))
        _ = try p.config.int("distill.epochs", 5, "")
        #expect(throws: PipelineError.unknownSetting("distill.epoch", suggestions: ["distill.epochs"])) { try p.finish() }
    }

    @Test func overrideChangesTheStageParameters() throws {
        func define(_ overrides: [String: String]) throws -> PipelineDefinition {
            let p = PipelineBuilder(config: Config(overrides: overrides))
            let times = try p.config.int("times", 1, "repetitions")
            p.target("t", p.stage("a", Emit.self, .init(text: "x", times: times)), summary: "")
            return try p.finish()
        }
        #expect(try define([:]).stage(named: "a")!.params != define(["times": "2"]).stage(named: "a")!.params)
    }

    @Test func closureAndDownstream() throws {
        let pipeline = try diamond()
        #expect(pipeline.closure(of: ["ab"]).map(\.name) == ["a", "b", "ab"])
        #expect(pipeline.downstream(of: "b").map(\.name) == ["ab", "parity", "final"])
    }
}
