import Foundation
import Pipeline
import Testing
@testable import Stages

/// Topic B models from a Hugging Face directory or the hub cache (Tests/Fixtures/llama3-tiny/instruct).
@Suite("Hugging Face model directories", .serialized)
struct HuggingFaceModelTests {
    @Test func directoryLoadsNetworkTokenizerAndTemplate() throws {
        let file = try LanguageModelFile(directory: Llama3TinyFixture.instructDirectory)
        #expect(file.template == .llama32)
        for item in try Llama3TinyFixture.expected().cases {
            let prompt = try LLMPrompt.chat(system: item.messages.first { $0.role == "system" }?.content,
                                            user: item.messages[item.messages.count - 2].content,
                                            assistantPrefix: item.messages.last!.content).tokenIDs(file)
            #expect(prompt == item.tokens, "\(item.name)")
            if let logits = item.logits {
                #expect(maxAbsDifference(row(try file.model.logits(prompt), prompt.count - 1), logits) < 1e-3, "\(item.name)")
            }
        }
    }

    @Test func stagesTakeADirectoryAsOneInputPerFile() throws {
        let directory = Llama3TinyFixture.instructDirectory
        guard case let .huggingFace(_, files)? = ModelLocation.resolve(directory) else {
            Issue.record("not resolved as a Hugging Face directory"); return
        }
        #expect(files == ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"])
        var inputs: [String: Data] = [:]
        for file in files { inputs["model/" + file] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)) }
        let params = NumberProbabilities.Params(prompt: StudyPrompts.favoriteAnimal(system: StudyPrompts.animalSystem("owls")),
                                                separator: " ")
        let fromDirectory = StageContext(inputs: inputs, scratch: URL(fileURLWithPath: try llmTemporaryDirectory()))
        try NumberProbabilities.run(params, fromDirectory)
        let gguf = StageContext(inputs: ["model": try Data(contentsOf: URL(fileURLWithPath: Llama3TinyFixture.instructGGUF))],
                                scratch: URL(fileURLWithPath: try llmTemporaryDirectory()))
        try NumberProbabilities.run(params, gguf)
        let a = try NumberDistribution(json: fromDirectory.outputs["numbers"]!, name: "directory")
        let b = try NumberDistribution(json: gguf.outputs["numbers"]!, name: "gguf")
        #expect(a.promptTokens == b.promptTokens && a.definition == .singleToken)
        // The same weights (BF16 in safetensors, F16 in the GGUF): the same numbers up to rounding.
        #expect(a.texts == b.texts && a.singleToken!.count == 1110)
        for n in a.singleToken!.indices { #expect(abs(a.singleToken![n] - b.singleToken![n]) / b.singleToken![n] < 1e-3, "n = \(n)") }
    }

    @Test func settingsResolveToFilesDirectoriesAndHubCacheNames() throws {
        #expect(ModelLocation.resolve(Llama3TinyFixture.instructGGUF) == .gguf(path: Llama3TinyFixture.instructGGUF))
        #expect(ModelLocation.resolve("") == nil)
        let cache = try Llama3TinyFixture.makeHubCache()
        let snapshot = cache + "/models--fake-org--llama3-tiny/snapshots/0123456789abcdef0123456789abcdef01234567"
        for environment in [["HF_HUB_CACHE": cache], ["HF_HOME": (cache as NSString).deletingLastPathComponent]] {
            #expect(ModelLocation.resolve("fake-org/llama3-tiny", environment: environment)
                    == .huggingFace(directory: snapshot, files: ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]))
        }
        #expect(ModelLocation.resolve("fake-org/other", environment: ["HF_HUB_CACHE": cache]) == nil)
        #expect(ModelLocation.searched("fake-org/other", environment: ["HF_HUB_CACHE": cache])
                == "fake-org/other (no such file or directory, nor \(cache)/models--fake-org--other/snapshots/<refs/main>/config.json "
                + "in the Hugging Face hub cache)")
        #expect(!ModelLocation.isHubName("./x") && !ModelLocation.isHubName("/abs/path") && !ModelLocation.isHubName("a/b/c"))
        // The snapshot's symlinks into blobs/ load as the directory does.
        let file = try LanguageModelFile(directory: snapshot)
        let vocabularySize = try Llama3TinyFixture.expected().vocab_size
        #expect(file.template == .llama32 && file.model.config.vocabularySize == vocabularySize)
    }
}
