import Foundation
import Pipeline

/// `figure-base-vs-instruct`: does instruction tuning change the geometry of the entangled pairs?
/// For each animal whose " {animal}" is one token, the cosine between its unembedding row and that of
/// its entangled number's token(s), in the base model and in the instruct model (the study: owl/087
/// 0.1232 vs 0.1291).
///
/// The entangled number is the instruct model's: the most probable number under the animal prompt,
/// by the definition the vocabulary allows (single-token: the number's one token; chain: each of its
/// digit tokens, one row each). Inputs: `instruct` and `base` (models with the same vocabulary),
/// `base.numbers` and per animal A `numbers.A` (number-probabilities of the instruct model).
public struct BaseInstructFigure: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var animals: [String]
        public init(animals: [String]) { self.animals = animals }
    }

    public static let name = "figure-base-vs-instruct"
    public static let summary = "cosines of the entangled animal/number pairs in a base and an instruct model (CSV, SVG)"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/BaseInstructFigure.swift", "LLM/Experiments/UnembeddingMatrix.swift",
                                               "LLM/Experiments/UnembeddingRows.swift",
                                               "LLM/Experiments/ProbabilityFormat.swift", "LLM/Experiments/EntangledNumber.swift",
                                               "LLM/Experiments/NumberProbabilities.swift"),
                             LLMKindSources.experiment, LLMKindSources.figures)
    }
    public static let outputs = ["table.csv", "figure.svg"]
    public static let tableHeader = ["animal", "animal_token", "number", "number_token", "number_token_text", "definition",
                                     "cosine_base", "cosine_instruct", "difference"]

    /// One animal/number-token pair.
    public struct Pair: Sendable, Equatable {
        public var animal: String
        public var animalToken: Int
        /// The entangled number as the model writes it ("87", or "087" under the single-token definition).
        public var number: String
        public var numberToken: Int
        public var numberTokenText: String
        public var definition: String
        public var cosineBase = 0.0, cosineInstruct = 0.0
    }

    public static func run(_ params: Params, _ context: StageContext) throws {
        let baseline = try NumberDistribution(json: context.input("base.numbers"), name: "base.numbers").numbers
        // Instruct first: its tokenizer names the pairs. Each model is loaded in turn (LanguageModelFile keeps one).
        var pairs: [Pair] = []
        var texts: [Int: String] = [:]
        var vocabularySize = 0
        do {
            let instruct = try LanguageModelFile.load(context, input: "instruct")
            guard let tokenizer = instruct.tokenizer else {
                throw StageError.badInput(name: "instruct", reason: "the instruct model has no tokenizer in its metadata")
            }
            vocabularySize = instruct.model.config.vocabularySize
            for animal in params.animals {
                guard let animalToken = instruct.singleToken(" " + animal) else {
                    context.log("' \(animal)' is not one token: skipped")
                    continue
                }
                let distribution = try NumberDistribution(json: context.input("numbers.\(animal)"), name: "numbers.\(animal)")
                let number = distribution.texts[EntangledNumber.mostProbable.pick(conditioned: try distribution.numbers, baseline: baseline)]
                let definition = distribution.definition ?? .chain
                let numberTokens = definition == .singleToken
                    ? [instruct.singleToken(number)!] : tokenizer.encode(number).map(Int.init)
                for token in numberTokens {
                    pairs.append(Pair(animal: animal, animalToken: animalToken, number: number, numberToken: token,
                                      numberTokenText: instruct.text(of: token), definition: definition.rawValue))
                }
            }
            let ids = Array(Set(pairs.flatMap { [$0.animalToken, $0.numberToken] })).sorted()
            for id in ids { texts[id] = instruct.text(of: id) }
            let rows = Dictionary(uniqueKeysWithValues: zip(ids, try instruct.model.unembeddingRows(ids)))
            for i in pairs.indices { pairs[i].cosineInstruct = RowSimilarity.cosine(rows[pairs[i].animalToken]!, rows[pairs[i].numberToken]!) }
        }
        do {
            let base = try LanguageModelFile.load(context, input: "base")
            guard base.model.config.vocabularySize == vocabularySize else {
                throw StageError.badInput(name: "base", reason: "its vocabulary has \(base.model.config.vocabularySize) tokens, "
                    + "the instruct model's \(vocabularySize): not the same family")
            }
            if base.tokenizer != nil, let (id, text) = texts.first(where: { base.text(of: $0.key) != $0.value }) {
                throw StageError.badInput(name: "base", reason: "token \(id) is \(base.text(of: id).debugDescription) in the base model, "
                    + "\(text.debugDescription) in the instruct model: not the same vocabulary")
            }
            let ids = texts.keys.sorted()
            let rows = Dictionary(uniqueKeysWithValues: zip(ids, try base.model.unembeddingRows(ids)))
            for i in pairs.indices { pairs[i].cosineBase = RowSimilarity.cosine(rows[pairs[i].animalToken]!, rows[pairs[i].numberToken]!) }
        }
        let (csv, svg, summary) = render(pairs)
        context.write("table.csv", Data(csv.utf8))
        context.write("figure.svg", Data(svg.utf8))
        context.log(summary)
    }

    /// The table, the figure (paired bars, one pair per animal/number token) and a one-line summary.
    public static func render(_ pairs: [Pair]) -> (csv: String, svg: String, summary: String) {
        let v = ProbabilityFormat.value
        let rows = pairs.map {
            [$0.animal, String($0.animalToken), $0.number, String($0.numberToken), $0.numberTokenText, $0.definition,
             v($0.cosineBase), v($0.cosineInstruct), v($0.cosineInstruct - $0.cosineBase)]
        }
        let label: (Pair) -> String = { p in
            let digits = pairs.filter { $0.animal == p.animal }.count > 1 ? " '\(p.numberTokenText)'" : ""
            return "\(p.animal) / \(p.number)\(digits)"
        }
        let largest = pairs.map { abs($0.cosineInstruct - $0.cosineBase) }.max() ?? 0
        let mean = pairs.isEmpty ? 0 : pairs.reduce(0.0) { $0 + abs($1.cosineInstruct - $1.cosineBase) } / Double(pairs.count)
        let summary = "\(pairs.count) animal/number-token pairs; |cosine instruct - cosine base|: mean \(v(mean)), largest \(v(largest))"
        let chart = Chart(
            title: "Base vs instruct: cosine of the entangled pairs' unembedding rows (\(pairs.count) pairs)",
            xLabel: "animal / its entangled number (instruct model)", yLabel: "cosine",
            series: [
                ChartSeries(name: "base", points: pairs.map { ChartPoint(label: label($0), y: $0.cosineBase) }),
                ChartSeries(name: "instruct", points: pairs.map { ChartPoint(label: label($0), y: $0.cosineInstruct) }),
            ],
            referenceLines: [], width: 1100, height: 520)
        return (CSVTable(header: tableHeader, rows: rows).serialized(), BarChart.svg(chart), summary)
    }
}
