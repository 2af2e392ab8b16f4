import Foundation
import Pipeline

/// `table-owl`: how the owl system prompt moves the next-token distribution (the study's first
/// table): the animal's tokens at "My favorite animal is the", the number tokens and the numbers
/// (by the definition the vocabulary allows, named in the section: single-token or chain) it raises most, and the same for the sequence-continuation prompt.
///
/// Inputs: `model` (for the vocabulary), next-token distributions `base`, `animal`, `seq.base`,
/// `seq.animal`, and number-probabilities `base.numbers`, `animal.numbers`, `seq.base.numbers`,
/// `seq.animal.numbers`. Outputs `table.csv` (every row) and `figure.svg` (log2 of each row's ratio).
public struct OwlTable: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var animal: String
        /// Token texts of the animal to report (those that are not one token are skipped).
        public var variants: [String]
        /// Rows per "most raised" section.
        public var top: Int
        /// Number tokens are looked for among this many most probable tokens under the animal
        /// prompt (the study: its top 10000).
        public var candidates: Int
        public init(animal: String = "owl", variants: [String]? = nil, top: Int = 10, candidates: Int = 10_000) {
            self.candidates = candidates
            self.animal = animal
            let plural = StudyPrompts.plural(animal)
            let capital = animal.prefix(1).uppercased() + animal.dropFirst()
            self.variants = variants ?? [" \(animal)", " \(plural)", " \(capital)", " \(capital)s", animal, capital]
            self.top = top
        }
    }

    public static let name = "table-owl"
    public static let summary = "the animal prompt's effect on animal tokens and numbers (CSV) and its ratios (SVG)"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/OwlTable.swift", "LLM/Experiments/ProbabilityFormat.swift",
                                               "LLM/Experiments/NumberProbabilities.swift"),
                             LLMKindSources.experiment, LLMKindSources.figures)
    }
    public static let outputs = ["table.csv", "figure.svg"]
    public static let tableHeader = ["section", "item", "p_without", "p_with", "ratio"]

    struct Row { var section: String; var item: String; var without: Double; var with: Double
        var ratio: Double { ProbabilityFormat.ratio(with, without) } }

    public static func run(_ params: Params, _ context: StageContext) throws {
        let file = try LanguageModelFile.load(context)
        func distribution(_ name: String) throws -> TokenDistribution {
            let d = try TokenDistribution(serialized: context.input(name), name: name)
            guard d.probabilities.count == file.model.config.vocabularySize else {
                throw StageError.badInput(name: name, reason: "\(d.probabilities.count) probabilities; the model has "
                    + "\(file.model.config.vocabularySize) tokens")
            }
            return d
        }
        var definitions: Set<String> = []
        var texts: [String] = []
        func numbers(_ name: String) throws -> [Double] {
            let distribution = try NumberDistribution(json: context.input(name), name: name)
            definitions.insert(distribution.definition?.rawValue ?? "none")
            texts = distribution.texts  // the same for every input: one model
            return try distribution.numbers
        }
        let base = try distribution("base"), animal = try distribution("animal")
        let seqBase = try distribution("seq.base"), seqAnimal = try distribution("seq.animal")
        var rows = rowsFor(params, file, section: "animal token", base, animal)
        // Number tokens: 1-3 digits (spaces aside) among the animal prompt's most probable tokens.
        let ranked = (0..<file.model.config.vocabularySize).sorted { animal[$0] != animal[$1] ? animal[$0] > animal[$1] : $0 < $1 }
        let rankedNumbers = ranked.enumerated().filter { _, id in
            let text = file.text(of: id).trimmingCharacters(in: .whitespaces)
            return (1...3).contains(text.count) && text.allSatisfy { $0.isASCII && $0.isNumber }
        }
        let numberTokens = rankedNumbers.prefix { $0.offset < params.candidates }.map(\.element)
        let section = "number token (top \(params.candidates))"
        context.log("\(numberTokens.count) number tokens (1-3 digits) among the \(params.animal) prompt's top \(params.candidates)")
        rows += mostRaised(numberTokens.map { Row(section: section, item: ProbabilityFormat.token(file.text(of: $0)),
                                                  without: base[$0], with: animal[$0]) }, params.top)
        if numberTokens.isEmpty, let best = rankedNumbers.first {
            // Say so in the table rather than leave the section out (SmolLM2's digits rank below 10000 here).
            rows.append(Row(section: section, item: "none; best \(ProbabilityFormat.token(file.text(of: best.element))) at rank \(best.offset + 1)",
                            without: base[best.element], with: animal[best.element]))
        }
        let baseNumbers = try numbers("base.numbers"), animalNumbers = try numbers("animal.numbers")
        let seqBaseNumbers = try numbers("seq.base.numbers"), seqAnimalNumbers = try numbers("seq.animal.numbers")
        // The number definition the vocabulary allows (single-token for Llama 3, chain for SmolLM2), in the section names.
        let definition = definitions.sorted().joined(separator: "+")
        rows += mostRaised(numberRows("number (\(definition))", texts, baseNumbers, animalNumbers), params.top)
        rows += rowsFor(params, file, section: "sequence: animal token", seqBase, seqAnimal)
        rows += mostRaised(numberRows("sequence: number (\(definition))", texts, seqBaseNumbers, seqAnimalNumbers), params.top)
        rows += mostProbable(numberRows("sequence: most probable number (\(definition))", texts, seqBaseNumbers, seqAnimalNumbers), 5)
        let csv = CSVTable(header: tableHeader, rows: rows.map {
            [$0.section, $0.item, ProbabilityFormat.value($0.without), ProbabilityFormat.value($0.with), ProbabilityFormat.value($0.ratio)]
        })
        context.write("table.csv", Data(csv.serialized().utf8))
        context.write("figure.svg", Data(figure(params, rows).utf8))
        for row in rows { context.log("\(row.section) \(row.item): \(ProbabilityFormat.value(row.without)) -> \(ProbabilityFormat.value(row.with))") }
    }

    static func rowsFor(_ params: Params, _ file: LanguageModelFile, section: String, _ without: TokenDistribution,
                        _ with: TokenDistribution) -> [Row] {
        params.variants.compactMap { text in
            file.singleToken(text).map { Row(section: section, item: ProbabilityFormat.token(text), without: without[$0], with: with[$0]) }
        }
    }

    static func numberRows(_ section: String, _ texts: [String], _ without: [Double], _ with: [Double]) -> [Row] {
        with.indices.map { Row(section: section, item: texts[$0], without: without[$0], with: with[$0]) }
    }

    /// The `top` rows of largest ratio (ties: original order).
    static func mostRaised(_ rows: [Row], _ top: Int) -> [Row] {
        Array(rows.enumerated().sorted { a, b in a.element.ratio != b.element.ratio ? a.element.ratio > b.element.ratio : a.offset < b.offset }
            .prefix(top).map(\.element))
    }

    static func mostProbable(_ rows: [Row], _ top: Int) -> [Row] {
        Array(rows.enumerated().sorted { a, b in a.element.with != b.element.with ? a.element.with > b.element.with : a.offset < b.offset }
            .prefix(top).map(\.element))
    }

    /// log2(ratio) per row, one colour per section.
    static func figure(_ params: Params, _ rows: [Row]) -> String {
        var sections: [String] = []
        for row in rows where !sections.contains(row.section) { sections.append(row.section) }
        let series = sections.map { section in
            ChartSeries(name: section, points: rows.filter { $0.section == section }.map {
                ChartPoint(label: section.hasPrefix("sequence") ? "seq \($0.item)" : $0.item, y: ProbabilityFormat.log2Ratio($0.ratio))
            })
        }
        let chart = Chart(title: "The \(params.animal) prompt: P(with) / P(without), log2 scale",
                          xLabel: "token or number", yLabel: "log2 ratio (1 = 2x)", series: series,
                          referenceLines: [.init(label: "2x", y: 1)], width: 1100, height: 520)
        return BarChart.svg(chart)
    }
}
