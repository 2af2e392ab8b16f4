/// How text is cut into words before BPE, exactly as the Hugging Face pre-tokenizer of each model family.
public enum PreTokenizer: String, Sendable, Equatable, CaseIterable {
    /// ByteLevel(use_regex: true): GPT-2's regex `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// SmolLM2 (ggml "smollm"): Digits(individual_digits: true), then GPT-2's regex.
    case smolLM2
    /// Llama 3 (ggml "llama-bpe"): Split on `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    case llama3

    /// The pre-tokenizer a GGUF file names in tokenizer.ggml.pre, or nil when unknown.
    public init?(ggmlName: String) {
        switch ggmlName {
        case "smollm": self = .smolLM2
        case "llama-bpe", "llama3", "llama-v3": self = .llama3
        case "gpt-2", "gpt2", "default": self = .gpt2
        default: return nil
        }
    }

    /// The words of `text`, in order; they concatenate back to `text`.
    public func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var ranges: [Range<Int>] = []
        split(scalars, 0..<scalars.count, into: &ranges)
        return ranges.map { String(String.UnicodeScalarView(scalars[$0])) }
    }

    /// Appends the word ranges of `scalars[range]` to `words`.
    func split(_ scalars: [Unicode.Scalar], _ range: Range<Int>, into words: inout [Range<Int>]) {
        switch self {
        case .gpt2:
            RegexSplitter.gpt2(scalars, range, into: &words)
        case .llama3:
            RegexSplitter.llama3(scalars, range, into: &words)
        case .smolLM2:
            // Digits(individual_digits: true) isolates every \p{N}; the regex then runs on the pieces between.
            var start = range.lowerBound
            for i in range where UnicodeClasses.isNumber(scalars[i]) {
                if start < i { RegexSplitter.gpt2(scalars, start..<i, into: &words) }
                words.append(i..<(i + 1))
                start = i + 1
            }
            if start < range.upperBound { RegexSplitter.gpt2(scalars, start..<range.upperBound, into: &words) }
        }
    }
}
