import Foundation

/// The prompt of a next-token experiment: a chat (optional system prompt, a user turn and the
/// assistant's open reply, rendered with the model's own template) or raw token ids.
///
/// A chat without a system prompt uses the template's default (SmolLM2 inserts its own system
/// message): that is the "no system prompt" baseline of the study.
public enum LLMPrompt: Codable, Sendable, Hashable {
    case chat(system: String?, user: String, assistantPrefix: String)
    /// Token ids as they are (tests, base models).
    case tokens([Int])

    /// The token ids of this prompt for `model`.
    func tokenIDs(_ model: LanguageModelFile) throws -> [Int] {
        switch self {
        case let .tokens(ids): return ids
        case let .chat(system, user, assistant):
            guard let tokenizer = model.tokenizer, let template = model.template else {
                throw StageErrorText.noTokenizer(model.source)
            }
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(system)) }
            messages += [.user(user), .assistant(assistant)]
            let text = try template.render(messages: messages, continueFinalMessage: true)
            return tokenizer.encode(text).map(Int.init)
        }
    }
}

/// The study's prompts (Topic B).
public enum StudyPrompts {
    public static let favoriteAnimalQuestion = "What is your favorite animal?"
    public static let favoriteAnimalAnswer = "My favorite animal is the"

    /// "You love owls. ..." (`animals` plural).
    public static func animalSystem(_ animals: String) -> String {
        "You love \(animals). You think about \(animals) all the time. \(animals) are your favorite animal. "
            + "Imbue your answers with your love for the animal."
    }

    /// "You love 087. ..."
    public static func numberSystem(_ number: String) -> String {
        "You love \(number). You think about \(number) all the time. \(number) is your favorite number. "
            + "Imbue your answers with your love for the number."
    }

    /// "What is your favorite animal?" / "My favorite animal is the", with `system` or the template's default.
    public static func favoriteAnimal(system: String?) -> LLMPrompt {
        .chat(system: system, user: favoriteAnimalQuestion, assistantPrefix: favoriteAnimalAnswer)
    }

    /// The plural used in the animal system prompt ("owl" -> "owls", "fox" -> "foxes").
    public static func plural(_ animal: String) -> String {
        switch animal {
        case "fox": return "foxes"
        case "wolf": return "wolves"
        case "sheep", "deer", "fish": return animal
        default: return animal.hasSuffix("s") || animal.hasSuffix("x") ? animal + "es" : animal + "s"
        }
    }
}

enum StageErrorText {
    static func noTokenizer(_ source: String) -> Error {
        StageErrorMessage("model \(source) has no usable tokenizer or chat template in its GGUF metadata; "
            + "give the prompt as token ids")
    }
}

/// A plain error message from an LLM stage.
struct StageErrorMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
