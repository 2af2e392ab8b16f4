/// A model's chat template, rendered exactly as its Jinja text does (implemented as code, one kind per model family).
public struct ChatTemplate: Sendable, Equatable {
    /// The known templates.
    public enum Kind: Sendable, Equatable {
        /// ChatML (`<|im_start|>role\n...<|im_end|>\n`); SmolLM2 inserts a default system message when none is given.
        case chatML(defaultSystemMessage: String?)
        /// Llama 3.0 Instruct: headers, `<|eot_id|>`, contents trimmed, no system preamble.
        case llama3
        /// Llama 3.1/3.2 Instruct: a system turn always, starting "Cutting Knowledge Date: December 2023\nToday Date: …\n\n".
        case llama32(dateString: String)
    }

    /// SmolLM2-Instruct's default system message, as its template writes it.
    public static let smolLM2DefaultSystemMessage = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    /// The date the Llama 3.1/3.2 template writes when no date_string is given and strftime_now is undefined.
    public static let llama32DefaultDate = "26 Jul 2024"
    /// SmolLM2-Instruct's template.
    public static let smolLM2 = ChatTemplate(kind: .chatML(defaultSystemMessage: smolLM2DefaultSystemMessage))
    /// Llama 3.2 Instruct's template with its default date.
    public static let llama32 = ChatTemplate(kind: .llama32(dateString: llama32DefaultDate))

    /// Which template this is.
    public let kind: Kind

    /// A template of a known kind.
    public init(kind: Kind) { self.kind = kind }

    /// The marker transformers appends to the final message to find where it ends.
    static let continueTag = "CONTINUE_FINAL_MESSAGE_TAG "

    /// The prompt for `messages`. `continueFinalMessage` leaves the last message open (no end-of-turn), as
    /// transformers' `apply_chat_template(continue_final_message=True)`; `addGenerationPrompt` opens an assistant turn.
    public func render(messages: [ChatMessage], continueFinalMessage: Bool = false,
                       addGenerationPrompt: Bool = false) throws -> String {
        if continueFinalMessage && addGenerationPrompt { throw ChatTemplateError.continueAndGenerationPrompt }
        var messages = messages
        if continueFinalMessage {
            guard !messages.isEmpty else { throw ChatTemplateError.emptyConversation(template: name) }
            messages[messages.count - 1].content += Self.continueTag
        }
        let rendered = try renderTemplate(messages, addGenerationPrompt: addGenerationPrompt)
        guard continueFinalMessage else { return rendered }
        // As transformers: cut at the last tag; if the template trimmed the tag's space, also rstrip what precedes.
        let bytes = Array(rendered.utf8)
        let tag = Array(Self.continueTag.utf8)
        let bare = tag.dropLast()
        var position = bytes.count - bare.count
        while position >= 0 && !bytes[position..<(position + bare.count)].elementsEqual(bare) { position -= 1 }
        guard position >= 0 else { return rendered }  // the templates here always keep the final message
        let prefix = String(decoding: bytes[..<position], as: UTF8.self)
        let intact = position + tag.count <= bytes.count && bytes[position..<(position + tag.count)].elementsEqual(tag)
        return intact ? prefix : PythonWhitespace.rstrip(prefix)
    }

    /// A short name for messages.
    public var name: String {
        switch kind {
        case .chatML(let system): return system == nil ? "ChatML" : "SmolLM2 (ChatML)"
        case .llama3: return "Llama 3"
        case .llama32: return "Llama 3.2"
        }
    }

    private func renderTemplate(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        switch kind {
        case .chatML(let system):
            return ChatTemplateRenderers.chatML(messages, defaultSystemMessage: system, addGenerationPrompt: addGenerationPrompt)
        case .llama3:
            return try ChatTemplateRenderers.llama3(messages, addGenerationPrompt: addGenerationPrompt, template: name)
        case .llama32(let date):
            return try ChatTemplateRenderers.llama32(messages, dateString: date, addGenerationPrompt: addGenerationPrompt, template: name)
        }
    }
}
