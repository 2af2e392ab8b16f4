/// Why a chat template could not be chosen or rendered.
public enum ChatTemplateError: Error, Equatable, CustomStringConvertible {
    case unknownTemplate(source: String, excerpt: String)
    case unknownGGMLPreTokenizer(name: String)
    case noTemplate(source: String)
    case emptyConversation(template: String)
    case continueAndGenerationPrompt
    case unsupportedRole(role: String, template: String)

    public var description: String {
        switch self {
        case let .unknownTemplate(source, excerpt):
            return "Unknown chat template in \(source) (starts \"\(excerpt)\"); supported: SmolLM2 / ChatML, Llama 3, Llama 3.1/3.2. Add it to ChatTemplate.Kind or pick a kind explicitly."
        case let .unknownGGMLPreTokenizer(name):
            return "No chat template is known for ggml pre-tokenizer \"\(name)\" and the metadata has no tokenizer.chat_template; pick ChatTemplate.Kind explicitly."
        case let .noTemplate(source):
            return "\(source) has neither a chat template nor a known pre-tokenizer; pick ChatTemplate.Kind explicitly."
        case let .emptyConversation(template):
            return "The \(template) chat template needs at least one message."
        case .continueAndGenerationPrompt:
            return "continueFinalMessage and addGenerationPrompt are incompatible: continue the final message, or open a new assistant turn."
        case let .unsupportedRole(role, template):
            return "The \(template) chat template is implemented without tool messages; role \"\(role)\" is not supported."
        }
    }
}
