import Foundation

extension TokenizerVocabulary {
    /// The Llama 3 split regex, as Llama 3's tokenizer.json spells it.
    static let llama3SplitRegex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// A vocabulary from a Hugging Face tokenizer.json file (model.type "BPE", byte-level).
    public init(huggingFaceTokenizerJSON url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.cannotRead(file: url.path, reason: error.localizedDescription)
        }
        try self.init(huggingFaceTokenizerJSON: data, source: url.path)
    }

    /// A vocabulary from the contents of a Hugging Face tokenizer.json; `source` names it in errors.
    public init(huggingFaceTokenizerJSON data: Data, source: String = "tokenizer.json") throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw TokenizerError.malformedJSON(file: source, detail: "not JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else {
            throw TokenizerError.malformedJSON(file: source, detail: "the top level is not an object")
        }
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.malformedJSON(file: source, detail: "no \"model\" object")
        }
        let type = model["type"] as? String ?? "(none)"
        guard type == "BPE" else { throw TokenizerError.unsupportedModel(file: source, type: type) }
        guard let vocab = model["vocab"] as? [String: Any] else {
            throw TokenizerError.malformedJSON(file: source, detail: "model.vocab is not an object of token to id")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key] as? String, !value.isEmpty {
                throw TokenizerError.unsupportedModel(file: source, type: "BPE with \(key) \"\(value)\"")
            }
        }
        if let normalizer = root["normalizer"], !(normalizer is NSNull) {
            throw TokenizerError.unsupportedPreTokenizer(file: source, description: "a normalizer: \(Self.describe(normalizer))")
        }

        var byID: [Int: String] = [:]
        for (token, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, id >= 0 else {
                throw TokenizerError.malformedJSON(file: source, detail: "model.vocab[\"\(token)\"] is not a non-negative integer")
            }
            byID[id] = token
        }
        var added: [AddedToken] = []
        if let list = root["added_tokens"] {
            guard let entries = list as? [[String: Any]] else {
                throw TokenizerError.malformedJSON(file: source, detail: "added_tokens is not a list of objects")
            }
            for entry in entries {
                guard let id = (entry["id"] as? NSNumber)?.intValue, id >= 0, let content = entry["content"] as? String else {
                    throw TokenizerError.malformedJSON(file: source, detail: "an added token lacks id or content")
                }
                byID[id] = content
                added.append(AddedToken(id: Int32(id), content: content, special: (entry["special"] as? Bool) ?? false))
            }
        }
        let count = (byID.keys.max() ?? -1) + 1
        var tokens = [String](repeating: "", count: count)
        var types = [Int32](repeating: 0, count: count)
        for (id, token) in byID {
            tokens[id] = token
            types[id] = 1
        }
        for token in added { types[Int(token.id)] = token.special ? 3 : 4 }

        let merges: [TokenMerge]
        switch model["merges"] {
        case let strings as [String]:
            merges = try strings.map { try TokenMerge(parsing: $0, source: source) }
        case let pairs as [Any]:
            merges = try pairs.map { pair in
                guard let parts = pair as? [String], parts.count == 2 else {
                    throw TokenizerError.malformedMerge(file: source, merge: "\(pair)")
                }
                return TokenMerge(left: parts[0], right: parts[1])
            }
        case nil, is NSNull:
            merges = []
        default:
            throw TokenizerError.malformedJSON(file: source, detail: "model.merges is neither strings nor pairs")
        }

        self.init(tokens: tokens, merges: merges, tokenTypes: types,
                  preTokenizer: try Self.preTokenizer(root["pre_tokenizer"], source: source),
                  addedTokens: added, ignoreMerges: (model["ignore_merges"] as? Bool) ?? false, source: source)
    }

    /// The pre-tokenizer a tokenizer.json describes, if it is one of the supported three.
    static func preTokenizer(_ value: Any?, source: String) throws -> PreTokenizer {
        func unsupported() -> TokenizerError {
            .unsupportedPreTokenizer(file: source, description: describe(value ?? NSNull()))
        }
        func isByteLevel(_ object: [String: Any]?, regex: Bool) -> Bool {
            guard let object, object["type"] as? String == "ByteLevel" else { return false }
            return (object["add_prefix_space"] as? Bool ?? false) == false && (object["use_regex"] as? Bool ?? true) == regex
        }
        guard let object = value as? [String: Any] else { throw unsupported() }
        if isByteLevel(object, regex: true) { return .gpt2 }
        guard object["type"] as? String == "Sequence", let steps = object["pretokenizers"] as? [[String: Any]],
              steps.count == 2 else { throw unsupported() }
        if steps[0]["type"] as? String == "Digits", steps[0]["individual_digits"] as? Bool == true,
           isByteLevel(steps[1], regex: true) {
            return .smolLM2
        }
        if steps[0]["type"] as? String == "Split",
           (steps[0]["pattern"] as? [String: Any])?["Regex"] as? String == llama3SplitRegex,
           (steps[0]["behavior"] as? String) == "Isolated", (steps[0]["invert"] as? Bool ?? false) == false,
           isByteLevel(steps[1], regex: false) {
            return .llama3
        }
        throw unsupported()
    }

    static func describe(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(value),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]),
              let text = String(data: data, encoding: .utf8) else { return "\(value)" }
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
