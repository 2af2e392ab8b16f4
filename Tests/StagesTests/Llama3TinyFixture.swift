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
