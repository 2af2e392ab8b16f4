/// Hand-written matchers for the GPT-2 and Llama 3 split regexes, with Oniguruma's leftmost-first alternation.
enum RegexSplitter {
    typealias C = UnicodeClasses

    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    static func gpt2(_ s: [Unicode.Scalar], _ range: Range<Int>, into words: inout [Range<Int>]) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let next = gpt2Match(s, i, end)
            words.append(i..<next)
            i = next
        }
    }

    @inline(__always) static func gpt2Match(_ s: [Unicode.Scalar], _ i: Int, _ end: Int) -> Int {
        let c = s[i]
        if c == "'", let length = contraction(s, i + 1, end, ignoringCase: false) { return i + 1 + length }
        // ` ?X+` for X in \p{L}, \p{N}, [^\s\p{L}\p{N}]: the space is taken when X follows it.
        let start = (c == " " && i + 1 < end) ? i + 1 : i
        let first = s[start]
        if C.isLetter(first) { return run(s, start + 1, end, C.isLetter) }
        if C.isNumber(first) { return run(s, start + 1, end, C.isNumber) }
        if C.isOther(first) { return run(s, start + 1, end, C.isOther) }
        return whitespace(s, i, end)
    }

    /// Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    static func llama3(_ s: [Unicode.Scalar], _ range: Range<Int>, into words: inout [Range<Int>]) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let next = llama3Match(s, i, end)
            words.append(i..<next)
            i = next
        }
    }

    @inline(__always) static func llama3Match(_ s: [Unicode.Scalar], _ i: Int, _ end: Int) -> Int {
        let c = s[i]
        if c == "'", let length = contraction(s, i + 1, end, ignoringCase: true) { return i + 1 + length }
        let letter = C.isLetter(c), number = C.isNumber(c)
        if letter { return run(s, i + 1, end, C.isLetter) }
        if !number && !C.isNewline(c) && i + 1 < end && C.isLetter(s[i + 1]) { return run(s, i + 2, end, C.isLetter) }
        if number {
            var j = i + 1
            while j < end && j < i + 3 && C.isNumber(s[j]) { j += 1 }
            return j
        }
        let start = (c == " " && i + 1 < end) ? i + 1 : i
        if C.isOther(s[start]) {
            var j = run(s, start + 1, end, C.isOther)
            while j < end && C.isNewline(s[j]) { j += 1 }
            return j
        }
        // `\s*[\r\n]+`: the whitespace run up to and including its last CR or LF.
        let runEnd = run(s, i + 1, end, C.isWhitespace)
        var k = runEnd - 1
        while k >= i {
            if C.isNewline(s[k]) { return k + 1 }
            k -= 1
        }
        return whitespace(s, i, end)
    }

    /// `\s+(?!\S)|\s+` at a whitespace scalar: the run, less its last scalar when a non-space follows it.
    @inline(__always) static func whitespace(_ s: [Unicode.Scalar], _ i: Int, _ end: Int) -> Int {
        let runEnd = run(s, i + 1, end, C.isWhitespace)
        if runEnd == end || runEnd - i == 1 { return runEnd }
        return runEnd - 1
    }

    @inline(__always) static func run(_ s: [Unicode.Scalar], _ from: Int, _ end: Int, _ test: (Unicode.Scalar) -> Bool) -> Int {
        var j = from
        while j < end && test(s[j]) { j += 1 }
        return j
    }

    /// The length after the apostrophe of `s|t|re|ve|m|ll|d` at `i`, or nil.
    @inline(__always) static func contraction(_ s: [Unicode.Scalar], _ i: Int, _ end: Int, ignoringCase: Bool) -> Int? {
        guard i < end else { return nil }
        func lower(_ x: Unicode.Scalar) -> Unicode.Scalar {
            guard ignoringCase else { return x }
            if x.value >= 0x41 && x.value <= 0x5A { return Unicode.Scalar(x.value + 0x20)! }
            if x.value == 0x17F { return "s" }  // LATIN SMALL LETTER LONG S case-folds to s
            return x
        }
        let a = lower(s[i])
        switch a {
        case "s", "t", "m", "d": return 1
        case "r", "v", "l":
            guard i + 1 < end else { return nil }
            let b = lower(s[i + 1])
            if (a == "r" || a == "v") && b == "e" { return 2 }
            if a == "l" && b == "l" { return 2 }
            return nil
        default: return nil
        }
    }
}
