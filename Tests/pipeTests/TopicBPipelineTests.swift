import Foundation
import Testing

/// The Topic B targets of pipeline.swift, built by the real `pipe` on the llama3-tiny fixture
/// (Tests/Fixtures/llama3-tiny: a tiny random Llama with a Llama 3 vocabulary) with two animals.
@Suite struct TopicBPipelineTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/llama3-tiny").path
    static let settings = ["--set", "llm.model=\(fixture)/instruct.f16.gguf", "--set", "entanglement.animals=owl,cat"]

    @Test func baseVsInstructNeedsTheBaseModelAndSaysHowToSetIt() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let output = try cli.run("pipe", ["build", "figure-base-vs-instruct"] + Self.settings)
        #expect(output.status == 1)
        #expect(output.stderr.contains("no model configured: llm.base-model is not set; point --set llm.base-model=PATH"),
                "\(output.stderr)")
    }

    @Test func baseVsInstructReusesTheEntanglementSweep() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let settings = Self.settings + ["--set", "llm.base-model=\(Self.fixture)/base.f16.gguf"]
        let built = try cli.run("pipe", ["build", "figure-base-vs-instruct"] + settings)
        #expect(built.status == 0, "\(built.stderr)")
        // The instruct model's numbers under no system prompt and under each animal's, then the figure.
        #expect(built.stderr.contains("4 stages: 4 ran, 0 cached"), "\(built.stderr)")
        let csv = try String(contentsOf: cli.directory.appendingPathComponent("results/figure-base-vs-instruct/table.csv"),
                             encoding: .utf8)
        let lines = csv.split(whereSeparator: \.isNewline)
        #expect(lines.first == "animal,animal_token,number,number_token,number_token_text,definition,cosine_base,cosine_instruct,difference")
        #expect(lines.dropFirst().map { $0.split(separator: ",")[0] } == ["owl", "cat"])
        #expect(lines.dropFirst().allSatisfy { $0.contains(",single-token,") })
        // figure-entanglement finds the same number-probabilities stages cached.
        let entanglement = try cli.run("pipe", ["build", "figure-entanglement"] + settings)
        #expect(entanglement.status == 0, "\(entanglement.stderr)")
        #expect(entanglement.stderr.contains("9 stages: 6 ran, 3 cached"), "\(entanglement.stderr)")
    }
}
