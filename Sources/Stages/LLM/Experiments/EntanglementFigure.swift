import Foundation
import Pipeline

/// `figure-entanglement`: for each animal whose " {animal}" is one token, the number entangled with
/// it (most probable under the animal prompt, by the number definition the vocabulary allows: single
/// tokens for Llama 3, the chain rule for SmolLM2; the CSV's `definition` column) and the two ratios: animal -> number
/// = P(number | animal prompt) / P(number | no system prompt), number -> animal = P(animal | number
/// prompt) / P(animal | no system prompt); also the same for the number the animal prompt raises most.
/// The same two ratios against the control prompt (StudyPrompts.controlSystem) instead of no system
/// prompt separate the animal's effect from that of any system prompt of this shape.
///
/// Inputs: `model`, `base` (next-token, no system prompt), `base.numbers`, `control` and
/// `control.numbers` (the same under the control prompt), and per animal A
/// `numbers.A` (number-probabilities under A's prompt), `number-prompt.A` and `number-prompt-raised.A`
/// (next-token under the number prompt of the most probable / most raised number).
public struct EntanglementFigure: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        public var animals: [String]
        /// The ratio counted as "entangled" (the study: 2).
        public var threshold: Double
        public init(animals: [String], threshold: Double = 2) { self.animals = animals; self.threshold = threshold }
    }

    public static let name = "figure-entanglement"
    public static let summary = "animal <-> number entanglement ratios per animal, vs no and vs a control system prompt (SVG, log bars; CSV)"
    public static var code: CodeFingerprint {
        KindSources.combined(sourceFingerprint("LLM/Experiments/EntanglementFigure.swift", "LLM/Experiments/ProbabilityFormat.swift",
                                               "LLM/Experiments/EntangledNumber.swift", "LLM/Experiments/NumberProbabilities.swift",
                                               "LLM/Experiments/ControlPrompt.swift"),
                             LLMKindSources.experiment, LLMKindSources.figures)
    }
    public static let outputs = ["table.csv", "figure.svg"]
    public static let tableHeader = [
        "animal", "token", "number", "p_number_animal", "p_number_base", "animal_to_number",
        "p_animal_number", "p_animal_base", "number_to_animal",
        "raised_number", "raised_animal_to_number", "raised_number_to_animal",
        "p_number_control", "animal_to_number_vs_control", "p_animal_control", "number_to_animal_vs_control",
        "definition",
    ]

    /// One animal's results (nil token: " animal" is not one token).
    public struct Entry: Sendable, Equatable {
        public var animal: String
        public var token: Int?
        /// The entangled number as the model writes it ("87", or "087" under the single-token definition).
        public var number = ""
        public var animalToNumber = 0.0, numberToAnimal = 0.0
        public var pNumberAnimal = 0.0, pNumberBase = 0.0, pAnimalNumber = 0.0, pAnimalBase = 0.0
        public var raisedNumber = ""
        public var raisedAnimalToNumber = 0.0, raisedNumberToAnimal = 0.0
        /// P(number | control prompt), P(animal | control prompt) and the ratios against them.
        public var pNumberControl = 0.0, pAnimalControl = 0.0
        public var controlAnimalToNumber = 0.0, controlNumberToAnimal = 0.0
        /// How P(number) was defined ("single-token" or "chain", see NumberDistribution.Definition).
        public var definition = ""
    }

    public static func run(_ params: Params, _ context: StageContext) throws {
        let file = try LanguageModelFile.load(context)
        let base = try TokenDistribution(serialized: context.input("base"), name: "base")
        let baseNumbers = try NumberDistribution(json: context.input("base.numbers"), name: "base.numbers").numbers
        let control = try TokenDistribution(serialized: context.input("control"), name: "control")
        let controlNumbers = try NumberDistribution(json: context.input("control.numbers"), name: "control.numbers").numbers
        var entries: [Entry] = []
        for animal in params.animals {
            var entry = Entry(animal: animal, token: file.singleToken(" " + animal))
            if let token = entry.token {
                let distribution = try NumberDistribution(json: context.input("numbers.\(animal)"), name: "numbers.\(animal)")
                let numbers = try distribution.numbers, texts = distribution.texts
                entry.definition = distribution.definition?.rawValue ?? ""
                let prompted = try TokenDistribution(serialized: context.input("number-prompt.\(animal)"), name: "number-prompt.\(animal)")
                let raisedPrompted = try TokenDistribution(serialized: context.input("number-prompt-raised.\(animal)"),
                                                           name: "number-prompt-raised.\(animal)")
                let number = EntangledNumber.mostProbable.pick(conditioned: numbers, baseline: baseNumbers)
                entry.number = texts[number]
                entry.pNumberAnimal = numbers[number]
                entry.pNumberBase = baseNumbers[number]
                entry.animalToNumber = ProbabilityFormat.ratio(entry.pNumberAnimal, entry.pNumberBase)
                entry.pAnimalNumber = prompted[token]
                entry.pAnimalBase = base[token]
                entry.numberToAnimal = ProbabilityFormat.ratio(entry.pAnimalNumber, entry.pAnimalBase)
                let raised = EntangledNumber.mostRaised.pick(conditioned: numbers, baseline: baseNumbers)
                entry.raisedNumber = texts[raised]
                entry.raisedAnimalToNumber = ProbabilityFormat.ratio(numbers[raised], baseNumbers[raised])
                entry.raisedNumberToAnimal = ProbabilityFormat.ratio(raisedPrompted[token], base[token])
                entry.pNumberControl = controlNumbers[number]
                entry.pAnimalControl = control[token]
                entry.controlAnimalToNumber = ProbabilityFormat.ratio(entry.pNumberAnimal, entry.pNumberControl)
                entry.controlNumberToAnimal = ProbabilityFormat.ratio(entry.pAnimalNumber, entry.pAnimalControl)
            }
            entries.append(entry)
        }
        let (csv, svg, summary) = render(params, entries)
        context.write("table.csv", Data(csv.utf8))
        context.write("figure.svg", Data(svg.utf8))
        context.log(summary)
    }

    /// The table, the figure and a one-line summary of `entries`.
    public static func render(_ params: Params, _ entries: [Entry]) -> (csv: String, svg: String, summary: String) {
        let v = ProbabilityFormat.value
        let rows = entries.map { e -> [String] in
            guard let token = e.token else { return [e.animal] + Array(repeating: "", count: tableHeader.count - 1) }
            return [e.animal, String(token), e.number, v(e.pNumberAnimal), v(e.pNumberBase), v(e.animalToNumber),
                    v(e.pAnimalNumber), v(e.pAnimalBase), v(e.numberToAnimal),
                    e.raisedNumber, v(e.raisedAnimalToNumber), v(e.raisedNumberToAnimal),
                    v(e.pNumberControl), v(e.controlAnimalToNumber), v(e.pAnimalControl), v(e.controlNumberToAnimal),
                    e.definition]
        }
        let single = entries.filter { $0.token != nil }
        let toNumber = single.filter { $0.animalToNumber > params.threshold }.count
        let toAnimal = single.filter { $0.numberToAnimal > params.threshold }.count
        let both = single.filter { $0.animalToNumber > params.threshold && $0.numberToAnimal > params.threshold }.count
        let x = ProbabilityFormat.value(params.threshold)
        let raisedToAnimal = single.filter { $0.raisedNumberToAnimal > params.threshold }.count
        let controlToNumber = single.filter { $0.controlAnimalToNumber > params.threshold }.count
        let controlToAnimal = single.filter { $0.controlNumberToAnimal > params.threshold }.count
        let summary = "\(single.count) of \(entries.count) animals are one token; above \(x)x: animal -> number \(toNumber), "
            + "number -> animal \(toAnimal), both \(both); most raised number -> animal \(raisedToAnimal); "
            + "vs the control prompt: animal -> number \(controlToNumber), number -> animal \(controlToAnimal)"
        func series(_ name: String, _ ratio: (Entry) -> Double) -> ChartSeries {
            ChartSeries(name: name, points: single.map { ChartPoint(label: "\($0.animal) (\($0.number))", y: ratio($0)) })
        }
        let chart = Chart(
            title: "Entanglement: \(single.count) one-token animals above \(x)×: animal→number \(toNumber) "
                + "(\(controlToNumber) vs control), number→animal \(toAnimal) (\(controlToAnimal) vs control)",
            xLabel: "animal (its most probable number n under the animal prompt); control prompt: “\(StudyPrompts.controlSubject)”",
            yLabel: "ratio of probabilities (log scale)",
            series: [
                series("animal → number: P(n | animal) / P(n | no system prompt)") { $0.animalToNumber },
                series("P(n | animal) / P(n | control)") { $0.controlAnimalToNumber },
                series("number → animal: P(animal | n) / P(animal | no system prompt)") { $0.numberToAnimal },
                series("P(animal | n) / P(animal | control)") { $0.controlNumberToAnimal },
                series("number → animal, n = the number the animal raises most") { $0.raisedNumberToAnimal },
            ],
            referenceLines: [.init(label: "\(x)×", y: params.threshold)], width: 1400, height: 560, yAxis: .logRatio)
        return (CSVTable(header: tableHeader, rows: rows).serialized(), BarChart.svg(chart), summary)
    }
}
