import Foundation
import Testing
@testable import Stages

/// Chat templates against transformers' rendering of the real templates (Tests/Fixtures/tokenizer/chat-templates.json).
struct TokenizerChatTemplateTests {
    struct Case: Decodable {
        let name: String
        let `continue`: Bool
        let generation_prompt: Bool
        let messages: [ChatMessage]
        let rendered: String
    }

    struct Family: Decodable {
        let template: String
        let cases: [Case]
    }

    static func families() throws -> [String: Family] {
        try JSONDecoder().decode([String: Family].self,
                                 from: Data(contentsOf: TokenizerFixtures.directory.appendingPathComponent("chat-templates.json")))
    }

    @Test func templatesRenderByteIdenticalToTransformers() throws {
        let families = try Self.families()
        #expect(families.count == 2)
        for (name, family) in families {
            let template = try ChatTemplate(templateText: family.template, source: name)
            for item in family.cases {
                let rendered = try template.render(messages: item.messages, continueFinalMessage: item.continue,
                                                   addGenerationPrompt: item.generation_prompt)
                #expect(rendered == item.rendered, "\(name) \(item.name)")
            }
        }
    }

    @Test func templatesAreRecognisedFromTheirText() throws {
        let families = try Self.families()
        #expect(try ChatTemplate(templateText: families["smollm2"]!.template) == .smolLM2)
        #expect(try ChatTemplate(templateText: families["llama3.2"]!.template) == .llama32)
        #expect(try ChatTemplate(chatTemplate: nil, ggmlPre: "smollm") == .smolLM2)
        #expect(try ChatTemplate(chatTemplate: "", ggmlPre: "llama-bpe") == .llama32)
    }

    @Test func smolLM2InsertsItsDefaultSystemMessage() throws {
        let text = try ChatTemplate.smolLM2.render(messages: [.user("Hi")], addGenerationPrompt: true)
        #expect(text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let open = try ChatTemplate.smolLM2.render(messages: [.system("S"), .user("Q"), .assistant("A: 1, ")],
                                                    continueFinalMessage: true)
        #expect(open == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA: 1, ")
    }

    @Test func llama32WritesTheDatePreamble() throws {
        let text = try ChatTemplate.llama32.render(messages: [.user(" Hi ")], addGenerationPrompt: true)
        #expect(text == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
                + "Today Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test func unknownTemplatesAndBadOptionsThrow() throws {
        #expect(throws: ChatTemplateError.unknownTemplate(source: "x", excerpt: "{{ messages }}")) {
            try ChatTemplate(templateText: "{{ messages }}", source: "x")
        }
        #expect(throws: ChatTemplateError.unknownGGMLPreTokenizer(name: "qwen2")) {
            try ChatTemplate(chatTemplate: nil, ggmlPre: "qwen2")
        }
        #expect(throws: ChatTemplateError.continueAndGenerationPrompt) {
            try ChatTemplate.smolLM2.render(messages: [.user("a")], continueFinalMessage: true, addGenerationPrompt: true)
        }
        #expect(throws: ChatTemplateError.emptyConversation(template: "Llama 3.2")) {
            try ChatTemplate.llama32.render(messages: [])
        }
    }
}
