import Foundation

extension ChatTemplate {
    /// SmolLM2's template around its default system message.
    static let smolLM2Prefix =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
    static let chatMLBody =
        "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    static let smolLM2Suffix = "<|im_end|>\n' }}{% endif %}" + chatMLBody
    /// The plain ChatML template (no default system message).
    static let chatMLTemplate = "{% for message in messages %}" + chatMLBody

    /// The template whose Jinja text is `text` (from tokenizer.chat_template or tokenizer_config.json).
    /// Throws `ChatTemplateError.unknownTemplate` for any other template.
    public init(templateText text: String, source: String = "tokenizer.chat_template") throws {
        let trimmed = PythonWhitespace.strip(text)
        if trimmed == Self.chatMLTemplate {
            self.init(kind: .chatML(defaultSystemMessage: nil))
            return
        }
        if trimmed.hasPrefix(Self.smolLM2Prefix), trimmed.hasSuffix(Self.smolLM2Suffix),
           trimmed.count >= Self.smolLM2Prefix.count + Self.smolLM2Suffix.count {
            let system = String(trimmed.dropFirst(Self.smolLM2Prefix.count).dropLast(Self.smolLM2Suffix.count))
            if !system.contains("'") && !system.contains("\\") && !system.contains("{") {
                self.init(kind: .chatML(defaultSystemMessage: system))
                return
            }
        }
        let llamaTurn = "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>'"
        let llamaTurnLiteral = llamaTurn.replacingOccurrences(of: "\\n", with: "\n")
        let hasLlamaTurn = text.contains(llamaTurn) || text.contains(llamaTurnLiteral)
        if hasLlamaTurn, text.contains("Cutting Knowledge Date: December 2023"), text.contains("Today Date: "),
           text.contains("\"26 Jul 2024\"") {
            self.init(kind: .llama32(dateString: Self.llama32DefaultDate))
            return
        }
        if hasLlamaTurn, text.contains("{% set content = bos_token + content %}"), !text.contains("Cutting Knowledge") {
            self.init(kind: .llama3)
            return
        }
        let excerpt = String(trimmed.prefix(80)).replacingOccurrences(of: "\n", with: "\\n")
        throw ChatTemplateError.unknownTemplate(source: source, excerpt: excerpt)
    }

    /// The template of a model from its metadata: the template text when there is one, else the ggml pre-tokenizer
    /// ("smollm" -> SmolLM2, "llama-bpe" -> Llama 3.2).
    public init(chatTemplate text: String?, ggmlPre pre: String?, source: String = "GGUF metadata") throws {
        if let text, !text.isEmpty {
            try self.init(templateText: text, source: source)
            return
        }
        switch pre {
        case "smollm"?: self = .smolLM2
        case "llama-bpe"?, "llama3"?, "llama-v3"?: self = .llama32
        case let name?: throw ChatTemplateError.unknownGGMLPreTokenizer(name: name)
        case nil: throw ChatTemplateError.noTemplate(source: source)
        }
    }
}
