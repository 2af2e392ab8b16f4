import Foundation
@testable import Stages

/// Tests/Fixtures/llama3-tiny, written by scripts/fixtures/make_llama3_fixture.py: a tiny random Llama
/// with a Llama-3-style tokenizer (one token for each of "0".."999") and the Llama 3.2 chat template.
enum Llama3TinyFixture {
    static let directory: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/llama3-tiny").path
    static var instructGGUF: String { directory + "/instruct.f16.gguf" }
    static var baseGGUF: String { directory + "/base.f16.gguf" }
    static var instructDirectory: String { directory + "/instruct" }

    /// One study prompt of expected.json: its messages, transformers' rendering, HF tokenizers' ids and
    /// (for two of them) transformers' float32 logits at the last position.
    struct Case: Decodable {
        let name: String
        let messages: [ChatMessage]
        let rendered: String
        let rendered_generation_prompt: String
        let tokens: [Int]
        let logits: [Float]?
    }

    struct Expected: Decodable {
        let template_source: String
        let vocab_size: Int
        let cases: [Case]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/expected.json")))
    }

    /// Meta's Llama 3.2 Instruct template, as verified (see the fixture script).
    static func template() throws -> String {
        try String(contentsOfFile: directory + "/llama-3.2-instruct.jinja", encoding: .utf8)
    }
}

extension Llama3TinyFixture {
    /// A Hugging Face hub cache in a new temporary directory holding the instruct model as `name`, laid
    /// out as huggingface_hub writes it: models--ORG--NAME/refs/main names a commit, snapshots/<commit>/
    /// holds symlinks into blobs/. Returns the cache directory (what HF_HUB_CACHE or $HF_HOME/hub points at).
    static func makeHubCache(name: String = "fake-org/llama3-tiny", commit: String = "0123456789abcdef0123456789abcdef01234567")
        throws -> String {
        let cache = try llmTemporaryDirectory() + "/hub"
        let repo = cache + "/models--" + name.replacingOccurrences(of: "/", with: "--")
        let snapshot = repo + "/snapshots/" + commit
        let manager = FileManager.default
        for directory in [repo + "/refs", repo + "/blobs", snapshot] {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try Data(commit.utf8).write(to: URL(fileURLWithPath: repo + "/refs/main"))
        for (index, file) in try manager.contentsOfDirectory(atPath: instructDirectory).sorted().enumerated() {
            let blob = "blob\(index)"
            try manager.copyItem(atPath: instructDirectory + "/" + file, toPath: repo + "/blobs/" + blob)
            try manager.createSymbolicLink(atPath: snapshot + "/" + file, withDestinationPath: "../../blobs/" + blob)
        }
        return cache
    }
}
