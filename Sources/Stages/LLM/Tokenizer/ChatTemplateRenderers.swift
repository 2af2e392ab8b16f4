/// The known Jinja chat templates, transcribed to code statement by statement.
enum ChatTemplateRenderers {
    /// SmolLM2 / ChatML:
    /// `{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n<default><|im_end|>\n' }}{% endif %}`
    /// `{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}`
    /// `{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`
    static func chatML(_ messages: [ChatMessage], defaultSystemMessage: String?, addGenerationPrompt: Bool) -> String {
        var out = ""
        for (index, message) in messages.enumerated() {
            if index == 0, messages[0].role != "system", let system = defaultSystemMessage {
                out += "<|im_start|>system\n" + system + "<|im_end|>\n"
            }
            out += "<|im_start|>" + message.role + "\n" + message.content + "<|im_end|>" + "\n"
        }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    /// Llama 3.0 Instruct: bos, then `'<|start_header_id|>' + role + '<|end_header_id|>\n\n' + content | trim + '<|eot_id|>'`.
    static func llama3(_ messages: [ChatMessage], addGenerationPrompt: Bool, template: String) throws -> String {
        var out = ""
        for (index, message) in messages.enumerated() {
            if index == 0 { out += "<|begin_of_text|>" }
            out += header(message.role) + PythonWhitespace.strip(message.content) + "<|eot_id|>"
        }
        if addGenerationPrompt { out += header("assistant") }
        return out
    }

    /// Llama 3.1/3.2 Instruct without tools: bos, a system turn with the date preamble and the first system
    /// message (trimmed), then every other message as in Llama 3.0.
    /// Checked against Meta's template as llama.cpp ships it (models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja
    /// at c392e50, committed as Tests/Fixtures/llama3-tiny/llama-3.2-instruct.jinja): the study's prompts render
    /// identically (TopicBLlama3Tests). transformers defines strftime_now, so there "Today Date" is the day of the
    /// run unless date_string is passed; without it (plain Jinja, llama.cpp's fallback) the template writes 26 Jul 2024.
    static func llama32(_ messages: [ChatMessage], dateString: String, addGenerationPrompt: Bool,
                        template: String) throws -> String {
        guard let first = messages.first else { throw ChatTemplateError.emptyConversation(template: template) }
        var rest = messages[...]
        var system = ""
        if first.role == "system" {
            system = PythonWhitespace.strip(first.content)
            rest = messages.dropFirst()
        }
        var out = "<|begin_of_text|>" + header("system")
        out += "Cutting Knowledge Date: December 2023\n"
        out += "Today Date: " + dateString + "\n\n"
        out += system + "<|eot_id|>"
        for message in rest {
            guard message.role != "ipython" && message.role != "tool" else {
                throw ChatTemplateError.unsupportedRole(role: message.role, template: template)
            }
            out += header(message.role) + PythonWhitespace.strip(message.content) + "<|eot_id|>"
        }
        if addGenerationPrompt { out += header("assistant") }
        return out
    }

    private static func header(_ role: String) -> String { "<|start_header_id|>" + role + "<|end_header_id|>\n\n" }
}
