import Foundation
import Pipeline

/// `figure-geometry`: does the unembedding geometry explain the entanglement? Per one-token animal,
/// the cosine (and dot product) of its token with the entangled number's token, against the mean
/// over all number tokens; the overlap of the top numbers by cosine and by entanglement; and
/// P(animal) under the number prompt of the closest number, against that of the entangled number.
/// Definitions in UnembeddingGeometry.
///
/// Inputs: `rows` (unembedding-rows), `base` (next-token, no system prompt), `base.numbers`, `control`
/// (next-token under the control prompt, to tell a number's effect from any system prompt's), and per
/// animal A `numbers.A` (number-probabilities under A's prompt), `number-prompt.A` (next-token under
/// the entangled number's prompt) and `cosine-prompt.A` (under the closest number's prompt).
/// Outputs `table.csv` (one row per animal), `cosines.csv` (every animal × number token),
/// `figure.svg` (cosines) and `prompts.svg` (the two P(animal) ratios, log axis).
public struct GeometryFigure: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var animals: [String]
        /// The ratio counted as an effect (the study: 2).
        public var threshold: Double
        public init(animals: [String], threshold: Double = 2) { self.animals = animals; self.threshold = threshold }
    }

    public static let name = "figure-geometry"
    public static let summary = "unembedding cosines of animal and number tokens vs entanglement (SVG, CSV)"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/GeometryFigure.swift", "LLM/Experiments/UnembeddingGeometry.swift",
                                               "LLM/Experiments/UnembeddingRows.swift", "LLM/Experiments/ProbabilityFormat.swift",
                                               "LLM/Experiments/EntangledNumber.swift", "LLM/Experiments/NumberProbabilities.swift",
                                               "LLM/Experiments/TokenDistribution.swift", "LLM/Experiments/LLMPrompt.swift",
                                               "LLM/Experiments/ControlPrompt.swift"),
                             LLMKindSources.figures)
    }
    public static let outputs = ["table.csv", "cosines.csv", "figure.svg", "prompts.svg"]
    public static let tableHeader = [
        "animal", "token", "entangled_number", "entangled_token", "entangled_token_rule", "cos_entangled", "dot_entangled",
        "entangled_cos_rank", "mean_cos_numbers", "mean_dot_numbers", "top_cos_number", "cos_top",
        "k", "top_k_by_cos", "top_k_by_entanglement", "overlap", "chance_overlap",
        "p_animal_base", "p_animal_entangled_prompt", "entangled_to_animal", "p_animal_top_cos_prompt", "top_cos_to_animal",
        "p_animal_control", "entangled_to_animal_vs_control", "top_cos_to_animal_vs_control",
    ]
    public static let cosinesHeader = ["animal", "animal_token", "number_token", "number_token_id", "number", "cos", "dot"]

    /// One animal: its geometry and the two prompted probabilities of the animal.
    public struct Entry: Sendable, Equatable {
        public var geometry: UnembeddingGeometry
        public var pAnimalBase = 0.0, pAnimalEntangledPrompt = 0.0, pAnimalTopCosinePrompt = 0.0, pAnimalControl = 0.0
        public var entangledToAnimal: Double { ProbabilityFormat.ratio(pAnimalEntangledPrompt, pAnimalBase) }
        public var topCosineToAnimal: Double { ProbabilityFormat.ratio(pAnimalTopCosinePrompt, pAnimalBase) }
        public var entangledToAnimalVsControl: Double { ProbabilityFormat.ratio(pAnimalEntangledPrompt, pAnimalControl) }
        public var topCosineToAnimalVsControl: Double { ProbabilityFormat.ratio(pAnimalTopCosinePrompt, pAnimalControl) }
        public init(geometry: UnembeddingGeometry) { self.geometry = geometry }
    }

    public static func run(_ params: Params, _ context: StageContext) throws {
        let rows = try UnembeddingRows(json: context.input("rows"), name: "rows")
        let base = try TokenDistribution(serialized: context.input("base"), name: "base")
        let control = try TokenDistribution(serialized: context.input("control"), name: "control")
        let baseDistribution = try NumberDistribution(json: context.input("base.numbers"), name: "base.numbers")
        let baseNumbers = try baseDistribution.numbers, answers = baseDistribution.texts
        var entries: [Entry] = []
        for animal in params.animals where rows.animal(animal) != nil {
            let distribution = try NumberDistribution(json: context.input("numbers.\(animal)"), name: "numbers.\(animal)")
            let numbers = try distribution.numbers
            guard distribution.texts == answers, numbers.count == answers.count else {
                throw StageError.badInput(name: "numbers.\(animal)", reason: "its answers are not those of base.numbers "
                    + "(\(distribution.definition?.rawValue ?? "no") definition, \(numbers.count) answers vs "
                    + "\(baseDistribution.definition?.rawValue ?? "no") definition, \(answers.count) answers): not the same model")
            }
            guard let geometry = UnembeddingGeometry(animal: animal, rows: rows, answers: answers, conditioned: numbers,
                                                     baseline: baseNumbers) else {
                throw StageErrorMessage("figure-geometry: no number token to compare ' \(animal)' with")
            }
            var entry = Entry(geometry: geometry)
            let entangled = try TokenDistribution(serialized: context.input("number-prompt.\(animal)"), name: "number-prompt.\(animal)")
            let closest = try TokenDistribution(serialized: context.input("cosine-prompt.\(animal)"), name: "cosine-prompt.\(animal)")
            entry.pAnimalBase = base[geometry.token]
            entry.pAnimalEntangledPrompt = entangled[geometry.token]
            entry.pAnimalTopCosinePrompt = closest[geometry.token]
            entry.pAnimalControl = control[geometry.token]
            entries.append(entry)
        }
        let (table, cosines, figure, prompts, summary) = render(params, rows, answers: answers, entries)
        context.write("table.csv", Data(table.utf8))
        context.write("cosines.csv", Data(cosines.utf8))
        context.write("figure.svg", Data(figure.utf8))
        context.write("prompts.svg", Data(prompts.utf8))
        context.log(summary)
    }

    /// What the vocabulary's number tokens are, for the figure and the log.
    static func vocabularyNote(_ rows: UnembeddingRows) -> String {
        let spaced = rows.numbers.filter { $0.label.hasPrefix(" ") }.count
        let multiDigit = rows.numbers.filter { $0.label.trimmingCharacters(in: .whitespaces).count > 1 }.count
        var note = "\(rows.numbers.count) number tokens (\(spaced) with a leading space, \(multiDigit) multi-digit)"
        if multiDigit == 0 { note += ": single digits only, so a multi-digit entangled number is read through its first digit" }
        return note + (rows.tied ? "; tied embeddings" : "; separate output matrix")
    }

    /// The tables, the two figures and a one-line summary; `answers` are the numbers' texts
    /// (NumberDistribution.texts), which name the number tokens in cosines.csv.
    public static func render(_ params: Params, _ rows: UnembeddingRows, answers: [String], _ entries: [Entry])
        -> (table: String, cosines: String, figure: String, prompts: String, summary: String) {
        let v = ProbabilityFormat.value
        let list = { (numbers: [String]) in numbers.joined(separator: " ") }
        let table = CSVTable(header: tableHeader, rows: entries.map { e in
            let g = e.geometry
            return [g.animal, String(g.token), g.entangledNumber, ProbabilityFormat.token(g.entangledToken), g.rule.rawValue,
                    v(g.entangledCosine), v(g.entangledDot), String(g.entangledRank), v(g.meanCosine), v(g.meanDot),
                    g.topCosineNumber, v(g.topCosine), String(g.k), list(g.topByCosine), list(g.topByEntanglement),
                    String(g.overlap), v(g.chanceOverlap),
                    v(e.pAnimalBase), v(e.pAnimalEntangledPrompt), v(e.entangledToAnimal), v(e.pAnimalTopCosinePrompt),
                    v(e.topCosineToAnimal), v(e.pAnimalControl), v(e.entangledToAnimalVsControl), v(e.topCosineToAnimalVsControl)]
        })
        let positions = UnembeddingRows.positions(answers)
        var cosineRows: [[String]] = []
        for animal in rows.animals {
            for number in rows.numbers {
                cosineRows.append([animal.label, String(animal.token), ProbabilityFormat.token(number.label), String(number.token),
                                   UnembeddingRows.answer(of: number.label, in: positions).map { answers[$0] } ?? "",
                                   v(RowSimilarity.cosine(animal.values, number.values)), v(RowSimilarity.dot(animal.values, number.values))])
            }
        }
        let count = Double(max(entries.count, 1))
        let meanEntangled = entries.map(\.geometry.entangledCosine).reduce(0, +) / count
        let meanAll = entries.map(\.geometry.meanCosine).reduce(0, +) / count
        let meanOverlap = entries.map { Double($0.geometry.overlap) }.reduce(0, +) / count
        let chance = entries.first?.geometry.chanceOverlap ?? 0
        let k = entries.first?.geometry.k ?? 0
        let topAbove = entries.filter { $0.topCosineToAnimal > params.threshold }.count
        let entangledAbove = entries.filter { $0.entangledToAnimal > params.threshold }.count
        let maxTop = entries.map(\.topCosineToAnimal).max() ?? 0
        let topAboveControl = entries.filter { $0.topCosineToAnimalVsControl > params.threshold }.count
        let entangledAboveControl = entries.filter { $0.entangledToAnimalVsControl > params.threshold }.count
        let x = v(params.threshold)
        let note = vocabularyNote(rows)
        let summary = "\(entries.count) one-token animals; \(note); mean cosine with the entangled number's token "
            + "\(v(meanEntangled)) vs \(v(meanAll)) over all number tokens; top-\(k) overlap \(v(meanOverlap)) (chance \(v(chance))); "
            + "above \(x)x P(animal): closest-number prompt \(topAbove) (max \(v(maxTop))x), entangled-number prompt \(entangledAbove); "
            + "vs the control prompt: closest \(topAboveControl), entangled \(entangledAboveControl)"
        let label = { (e: Entry) in "\(e.geometry.animal) (\(e.geometry.entangledNumber))" }
        let figure = Chart(
            title: "Unembedding geometry: cosine with the entangled number \(v(meanEntangled)) vs \(v(meanAll)) mean over number tokens; "
                + "top-\(k) overlap by cosine and by entanglement \(v(meanOverlap)) (chance \(v(chance)))",
            xLabel: "animal (entangled number n). " + note, yLabel: "cosine in the unembedding space",
            series: [
                ChartSeries(name: "cos(animal, token of n)", points: entries.map { ChartPoint(label: label($0), y: $0.geometry.entangledCosine) }),
                ChartSeries(name: "mean cos(animal, number tokens)", points: entries.map { ChartPoint(label: label($0), y: $0.geometry.meanCosine) }),
                ChartSeries(name: "cos(animal, closest number token)", points: entries.map { ChartPoint(label: label($0), y: $0.geometry.topCosine) }),
            ], width: 1300, height: 540)
        let prompts = Chart(
            title: "P(animal | number prompt) / P(animal | no system prompt): above \(x)× for \(topAbove) of \(entries.count) animals "
                + "with the closest number (max \(v(maxTop))×), \(entangledAbove) with the entangled one; "
                + "against the control prompt: \(topAboveControl) and \(entangledAboveControl)",
            xLabel: "animal (entangled number n / closest number m)", yLabel: "ratio of probabilities (log scale)",
            series: [
                ChartSeries(name: "prompt with the entangled number n", points: entries.map {
                    ChartPoint(label: "\($0.geometry.animal) (\($0.geometry.entangledNumber)/\($0.geometry.topCosineNumber))", y: $0.entangledToAnimal)
                }),
                ChartSeries(name: "prompt with the closest number m (highest cosine)", points: entries.map {
                    ChartPoint(label: "\($0.geometry.animal) (\($0.geometry.entangledNumber)/\($0.geometry.topCosineNumber))", y: $0.topCosineToAnimal)
                }),
                ChartSeries(name: "n, against the control prompt", points: entries.map {
                    ChartPoint(label: "\($0.geometry.animal) (\($0.geometry.entangledNumber)/\($0.geometry.topCosineNumber))",
                               y: $0.entangledToAnimalVsControl)
                }),
                ChartSeries(name: "m, against the control prompt", points: entries.map {
                    ChartPoint(label: "\($0.geometry.animal) (\($0.geometry.entangledNumber)/\($0.geometry.topCosineNumber))",
                               y: $0.topCosineToAnimalVsControl)
                }),
            ], referenceLines: [.init(label: "\(x)×", y: params.threshold)], width: 1300, height: 520, yAxis: .logRatio)
        return (table.serialized(), CSVTable(header: cosinesHeader, rows: cosineRows).serialized(),
                BarChart.svg(figure), BarChart.svg(prompts), summary)
    }
}
