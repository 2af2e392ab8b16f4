import Foundation
@testable import Stages

/// Fixture paths and loaders for the tokenizer tests.
enum TokenizerFixtures {
    /// Tests/Fixtures/tokenizer.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/tokenizer")

    /// A corpus case: text and the ids Hugging Face tokenizers gives it.
    struct Case: Decodable {
        let text: String
        let ids: [Int32]
    }

    struct Expected: Decodable {
        let cases: [Case]
    }

    static func expected(_ name: String) throws -> [Case] {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent(name))).cases
    }

    /// The SmolLM2 tokenizer.json made by scripts/fixtures/make_tokenizer_fixtures.py: $PIPE_SMOLLM2_TOKENIZER,
    /// else $PIPE_MODELS/smollm2-tokenizer.json, else ~/.cache/pipe/models/smollm2-tokenizer.json; nil when absent.
    static var smolLM2TokenizerJSON: URL? {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let path = environment["PIPE_SMOLLM2_TOKENIZER"] { candidates.append(path) }
        if let models = environment["PIPE_MODELS"] { candidates.append(models + "/smollm2-tokenizer.json") }
        candidates.append(NSHomeDirectory() + "/.cache/pipe/models/smollm2-tokenizer.json")
        return candidates.first { FileManager.default.fileExists(atPath: $0) }.map { URL(fileURLWithPath: $0) }
    }

    static let llama3Mini: ByteLevelBPETokenizer? = try? ByteLevelBPETokenizer(
        huggingFaceTokenizerJSON: directory.appendingPathComponent("llama3-mini-tokenizer.json"))
}
