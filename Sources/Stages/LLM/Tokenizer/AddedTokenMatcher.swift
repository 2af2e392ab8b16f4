/// Finds added tokens in text, leftmost-longest, as Hugging Face's AddedVocabulary does.
struct AddedTokenMatcher: Sendable {
    /// Candidates by first scalar, longest first.
    private let candidates: [Unicode.Scalar: [(scalars: [Unicode.Scalar], id: Int32)]]

    init(_ tokens: [AddedToken]) {
        var table: [Unicode.Scalar: [(scalars: [Unicode.Scalar], id: Int32)]] = [:]
        for token in tokens {
            let scalars = Array(token.content.unicodeScalars)
            guard let first = scalars.first else { continue }
            table[first, default: []].append((scalars, token.id))
        }
        for key in table.keys { table[key]!.sort { $0.scalars.count > $1.scalars.count } }
        candidates = table
    }

    var isEmpty: Bool { candidates.isEmpty }

    /// A piece of text: plain scalars to pre-tokenize, or an added token.
    enum Piece {
        case text(Range<Int>)
        case token(Int32)
    }

    /// The pieces of `scalars`, in order.
    func pieces(_ scalars: [Unicode.Scalar]) -> [Piece] {
        guard !candidates.isEmpty else { return scalars.isEmpty ? [] : [.text(0..<scalars.count)] }
        var pieces: [Piece] = []
        var start = 0, i = 0
        let n = scalars.count
        scan: while i < n {
            if let list = candidates[scalars[i]] {
                for candidate in list where candidate.scalars.count <= n - i {
                    var matched = true
                    for k in 1..<candidate.scalars.count where scalars[i + k] != candidate.scalars[k] {
                        matched = false
                        break
                    }
                    if matched {
                        if start < i { pieces.append(.text(start..<i)) }
                        pieces.append(.token(candidate.id))
                        i += candidate.scalars.count
                        start = i
                        continue scan
                    }
                }
            }
            i += 1
        }
        if start < n { pieces.append(.text(start..<n)) }
        return pieces
    }
}
