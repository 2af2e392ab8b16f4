import Foundation

/// The geometry of one animal's token against the number tokens in the unembedding space, beside the
/// entanglement measured by prompting (the study's third Topic B analysis).
///
/// Definitions, chosen where the vocabulary forces a choice:
/// - a number's cosine is the highest over its tokens ("7" and " 7" where both exist);
/// - the numbers are the answers of the number definition the vocabulary allows (NumberDistribution.texts:
///   "0"..."999", plus the leading-zero tokens such as "087" under Llama 3's single-token definition);
///   a number token stands for the answer its digits spell (" 7" and "7" for 7; "087" for "087" where
///   that is an answer, for none under the chain definition, where 87 is another answer);
/// - the entangled number n is the most probable under the animal prompt (as in figure-entanglement),
///   kept as its text; its token is n's own when n is one token, else the token of n's first
///   digit — the step of the chain rule where the unembedding row enters first. SmolLM2 has only
///   "0".."9", so there every multi-digit entangled number is read through its first digit;
/// - the top-k overlap compares numbers that have a token: top k by cosine against top k by
///   P(n | animal) / P(n | no system prompt), with k = min(10, half the tokenized numbers), so a
///   vocabulary of ten digits compares top 5 of 10 (chance overlap k²/N = 2.5) instead of the
///   trivial 10 of 10.
public struct UnembeddingGeometry: Sendable, Equatable {
    /// How the entangled number's token was found.
    public enum TokenRule: String, Sendable {
        case ownToken = "own token"
        case firstDigit = "first digit"
    }

    public var animal: String
    public var token: Int
    /// As the model writes it ("87"; "087" under the single-token definition).
    public var entangledNumber: String
    public var entangledToken: String
    public var rule: TokenRule
    public var entangledCosine: Double, entangledDot: Double
    /// 1 = the number token closest to the animal's.
    public var entangledRank: Int
    public var meanCosine: Double, meanDot: Double
    public var topCosineNumber: String, topCosine: Double
    public var k: Int
    public var topByCosine: [String], topByEntanglement: [String]
    public var overlap: Int
    /// Expected overlap of two random k-subsets of the N tokenized numbers: k²/N.
    public var chanceOverlap: Double

    /// One animal's geometry from `rows` and P(n | animal prompt), P(n | no system prompt) for each
    /// answer n of `answers` (NumberDistribution.texts and .numbers, the same answers for both).
    /// nil when the animal has no row or the vocabulary no number token.
    public init?(animal: String, rows: UnembeddingRows, answers: [String], conditioned: [Double], baseline: [Double],
                 maxK: Int = 10) {
        precondition(answers.count == conditioned.count && answers.count == baseline.count,
                     "UnembeddingGeometry: \(answers.count) answers, \(conditioned.count) and \(baseline.count) probabilities")
        guard let row = rows.animal(animal), !rows.numbers.isEmpty else { return nil }
        self.animal = animal
        token = row.token
        let cosines = rows.numbers.map { RowSimilarity.cosine(row.values, $0.values) }
        let dots = rows.numbers.map { RowSimilarity.dot(row.values, $0.values) }
        meanCosine = cosines.reduce(0, +) / Double(cosines.count)
        meanDot = dots.reduce(0, +) / Double(dots.count)

        // Per answer (its position in `answers`): its closest token (index into rows.numbers).
        let positions = UnembeddingRows.positions(answers)
        var closest: [Int: Int] = [:]
        for (i, number) in rows.numbers.enumerated() {
            guard let n = UnembeddingRows.answer(of: number.label, in: positions) else { continue }
            if let j = closest[n], cosines[j] >= cosines[i] { continue }
            closest[n] = i
        }
        guard !closest.isEmpty else { return nil }
        let numbers = closest.keys.sorted()
        let cosineOf = { (n: Int) in cosines[closest[n]!] }

        let entangled = EntangledNumber.mostProbable.pick(conditioned: conditioned, baseline: baseline)
        entangledNumber = answers[entangled]
        let index: Int
        if let own = closest[entangled] { index = own; rule = .ownToken }
        else if let digit = positions[String(entangledNumber.prefix(1))].flatMap({ closest[$0] }) { index = digit; rule = .firstDigit }
        else { return nil }
        entangledToken = rows.numbers[index].label
        entangledCosine = cosines[index]
        entangledDot = dots[index]
        entangledRank = 1 + cosines.filter { $0 > cosines[index] }.count

        // Ties: the earlier answer ("0"..."999" in order, then the leading-zero ones).
        let byCosine = numbers.sorted { (cosineOf($0), -$0) > (cosineOf($1), -$1) }
        topCosineNumber = answers[byCosine[0]]
        topCosine = cosineOf(byCosine[0])
        let ratio = { (n: Int) in ProbabilityFormat.ratio(conditioned[n], baseline[n]) }
        let byEntanglement = numbers.sorted { (ratio($0), -$0) > (ratio($1), -$1) }
        k = max(1, min(maxK, numbers.count / 2))
        topByCosine = byCosine.prefix(k).map { answers[$0] }
        topByEntanglement = byEntanglement.prefix(k).map { answers[$0] }
        overlap = Set(topByCosine).intersection(topByEntanglement).count
        chanceOverlap = Double(k * k) / Double(numbers.count)
    }
}
