import Foundation
import Pipeline
import Testing
@testable import Stages

/// figure-geometry's stages on the tiny fixture models (no tokenizer: token ids given by hand).
@Suite("Topic B geometry", .serialized)
struct TopicBGeometryTests {
    /// Arbitrary ids play the animals and the number tokens: ten digits, two with a leading space,
    /// a two-digit token, a leading-zero token (not canonical: no number) and a spaced three-digit one.
    static let animals = ["owl", "cat"]
    static let animalTokens = [100, 101]
    static let numberTokens: [UnembeddingRowsExtraction.NumberToken] =
        (0...9).map { .init(text: String($0), token: 3 + $0) }
        + [.init(text: " 1", token: 20), .init(text: " 2", token: 21), .init(text: "42", token: 22),
           .init(text: "087", token: 23), .init(text: " 999", token: 24)]

    static func rows(_ fixture: String) throws -> UnembeddingRows {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: tinyLlamaDirectory + "/" + fixture))
        let context = StageContext(inputs: ["model": bytes], scratch: URL(fileURLWithPath: try llmTemporaryDirectory()))
        try UnembeddingRowsExtraction.run(.init(animals: animals, fixed: .init(animals: animalTokens, numbers: numberTokens)), context)
        return try UnembeddingRows(json: context.outputs["rows"]!, name: "rows")
    }

    /// cos and dot in Double straight from the weights: the reference.
    static func reference(_ matrix: Tensor, _ a: Int, _ b: Int) -> (cos: Double, dot: Double) {
        let (x, y) = (row(matrix, a).map(Double.init), row(matrix, b).map(Double.init))
        let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
        let norms = (x.reduce(0) { $0 + $1 * $1 } * y.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return (dot / norms, dot)
    }

    /// P(n) under "no system prompt" (flat) and under each animal's prompt: owl raises 7 most and
    /// makes it most probable; cat makes 350 most probable (not a token: its first digit 3 stands in).
    static let baseline = [Double](repeating: 1e-3, count: 1000)
    /// The answers of the chain definition (SmolLM2): "0"..."999", so "087" is no answer of its own.
    static let answers = (0..<1000).map(String.init)
    static func conditioned(_ animal: String) -> [Double] {
        var p = baseline
        if animal == "owl" { p[7] = 0.2; p[42] = 0.05; p[999] = 0.004 } else { p[350] = 0.1; p[2] = 0.02; p[5] = 0.5e-3 }
        return p
    }

    @Test func rowsAreTheOutputMatrixRowsTiedOrNot() throws {
        let tied = try Self.rows("tied.f32.gguf")
        let tiedModel = try LlamaModel(ggufPath: tinyLlamaDirectory + "/tied.f32.gguf")
        #expect(tied.tied && tied.animals.map(\.label) == Self.animals && tied.numbers.count == Self.numberTokens.count)
        #expect(tied.animals[0].values == row(tiedModel.weights.embedding, 100))
        let separate = try Self.rows("llama3.f16.gguf")
        let separateModel = try LlamaModel(ggufPath: tinyLlamaDirectory + "/llama3.f16.gguf")
        #expect(!separate.tied)
        #expect(separate.numbers[4].values == row(separateModel.weights.output, 7))
        #expect(separate.numbers[4].values != row(separateModel.weights.embedding, 7))
    }

    @Test func cosinesMatchAFloat64ReferenceFromTheWeights() throws {
        let rows = try Self.rows("llama3.f16.gguf")
        let output = try LlamaModel(ggufPath: tinyLlamaDirectory + "/llama3.f16.gguf").weights.output
        for (animal, animalToken) in zip(Self.animals, Self.animalTokens) {
            let g = try #require(UnembeddingGeometry(animal: animal, rows: rows, answers: Self.answers, conditioned: Self.conditioned(animal),
                                                     baseline: Self.baseline))
            let references = Self.numberTokens.map { Self.reference(output, animalToken, $0.token) }
            let meanCosine = references.map(\.cos).reduce(0, +) / Double(references.count)
            let meanDot = references.map(\.dot).reduce(0, +) / Double(references.count)
            #expect(abs(g.meanCosine - meanCosine) < 1e-9 && abs(g.meanDot - meanDot) < 1e-9 * max(1, abs(meanDot)))
            // The entangled number's token: owl's 7 is a token; cat's 350 is read through "3".
            let entangledToken = animal == "owl" ? 3 + 7 : 3 + 3
            #expect(g.entangledNumber == (animal == "owl" ? "7" : "350"))
            #expect(g.rule == (animal == "owl" ? .ownToken : .firstDigit))
            let expected = Self.reference(output, animalToken, entangledToken)
            #expect(abs(g.entangledCosine - expected.cos) < 1e-9 && abs(g.entangledDot - expected.dot) < 1e-9)
            #expect(g.entangledRank == 1 + references.filter { $0.cos > expected.cos }.count)
            // A number's cosine is its closest token's ("1" or " 1"); "087" is no number.
            var byNumber: [Int: Double] = [:]
            for (token, reference) in zip(Self.numberTokens, references) {
                guard let n = UnembeddingRows.answer(of: token.text, in: UnembeddingRows.positions(Self.answers)) else { continue }
                byNumber[n] = max(byNumber[n] ?? -2, reference.cos)
            }
            #expect(byNumber.count == 12 && g.k == 6 && abs(g.chanceOverlap - 3) < 1e-12)
            let top = byNumber.max { ($0.value, -$0.key) < ($1.value, -$1.key) }!
            #expect(g.topCosineNumber == String(top.key) && abs(g.topCosine - top.value) < 1e-9)
            let byCosine = byNumber.sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.prefix(6).map { String($0.key) }
            #expect(g.topByCosine == byCosine)
            #expect(g.overlap == Set(byCosine).intersection(g.topByEntanglement).count)
            // The closest-number prompt picks the same number as the analysis.
            let closest = try #require(ClosestNumber.closestNumber(to: rows.animal(animal)!, in: rows,
                                                                       answers: Self.answers))
            #expect(closest.value == g.topCosineNumber)
        }
        // Entanglement ranks by P(n | owl) / P(n): 7 (200x), 42 (50x), 999 (4x), then ties by number.
        let owl = try #require(UnembeddingGeometry(animal: "owl", rows: rows, answers: Self.answers,
                                                   conditioned: Self.conditioned("owl"), baseline: Self.baseline))
        #expect(owl.topByEntanglement == ["7", "42", "999", "0", "1", "2"])
    }

    @Test func figureStageWritesTablesAndFigures() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: tinyLlamaDirectory + "/tied.f32.gguf"))
        let scratch = URL(fileURLWithPath: try llmTemporaryDirectory())
        let rowsContext = StageContext(inputs: ["model": bytes], scratch: scratch)
        try UnembeddingRowsExtraction.run(.init(animals: Self.animals + ["axolotl"],
                                                fixed: .init(animals: Self.animalTokens + [102], numbers: Self.numberTokens)),
                                          rowsContext)
        // Next-token distributions from real forward passes of token prompts stand in for the chat prompts.
        func distribution(_ tokens: [Int]) throws -> Data {
            let context = StageContext(inputs: ["model": bytes], scratch: scratch)
            try NextTokenDistribution.run(.init(prompt: .tokens(tokens)), context)
            return context.outputs["probabilities"]!
        }
        func numbers(_ values: [Double]) throws -> Data {
            try NumberDistribution(promptTokens: [], separatorTokens: [], separatorProbability: 1, chain: values, singleToken: nil).json()
        }
        var inputs: [String: Data] = ["rows": rowsContext.outputs["rows"]!, "base": try distribution([1, 2, 3]),
                                      "base.numbers": try numbers(Self.baseline), "control": try distribution([1, 70, 3])]
        for (i, animal) in (Self.animals + ["axolotl"]).enumerated() {
            inputs["numbers.\(animal)"] = try numbers(Self.conditioned(animal))
            inputs["number-prompt.\(animal)"] = try distribution([1, 50 + i, 3])
            inputs["cosine-prompt.\(animal)"] = try distribution([1, 60 + i, 3])
        }
        let context = StageContext(inputs: inputs, scratch: scratch)
        try GeometryFigure.run(.init(animals: Self.animals), context)
        let table = try CSVTable(parsing: String(decoding: context.outputs["table.csv"]!, as: UTF8.self))
        #expect(table.header == GeometryFigure.tableHeader && table.rows.map { $0[0] } == Self.animals)
        func cell(_ row: Int, _ column: String) -> String { table.rows[row][table.header.firstIndex(of: column)!] }
        #expect(cell(0, "entangled_number") == "7" && cell(0, "entangled_token") == "'7'" && cell(0, "entangled_token_rule") == "own token")
        #expect(cell(1, "entangled_number") == "350" && cell(1, "entangled_token_rule") == "first digit")
        // The prompted ratios are those of the distributions given.
        let base = try TokenDistribution(serialized: inputs["base"]!, name: "base")
        let prompted = try TokenDistribution(serialized: inputs["cosine-prompt.owl"]!, name: "owl")
        #expect(cell(0, "top_cos_to_animal") == ProbabilityFormat.value(prompted[100] / base[100]))
        let control = try TokenDistribution(serialized: inputs["control"]!, name: "control")
        #expect(cell(0, "top_cos_to_animal_vs_control") == ProbabilityFormat.value(prompted[100] / control[100]))
        // Every animal × number token, with the reference cosine to 4 significant digits.
        let cosines = try CSVTable(parsing: String(decoding: context.outputs["cosines.csv"]!, as: UTF8.self))
        #expect(cosines.rows.count == 3 * Self.numberTokens.count)
        let embedding = try LlamaModel(ggufPath: tinyLlamaDirectory + "/tied.f32.gguf").weights.embedding
        let owl087 = try #require(cosines.rows.first { $0[0] == "owl" && $0[2] == "'087'" })
        #expect(owl087[4] == "" && owl087[5] == ProbabilityFormat.value(Self.reference(embedding, 100, 23).cos))
        for name in ["figure.svg", "prompts.svg"] {
            let svg = String(decoding: context.outputs[name]!, as: UTF8.self)
            let inspector = try #require(SVGInspector.parse(svg), "\(name) is not well-formed")
            #expect(inspector.texts.contains { $0.contains("owl (7") })
        }
        let prompts = try #require(SVGInspector.parse(String(decoding: context.outputs["prompts.svg"]!, as: UTF8.self)))
        #expect(prompts.texts.contains("1×") && prompts.texts.contains("2×"))
    }

    /// On a Llama 3 vocabulary (llama3-tiny: one token for each of "0"..."999" and the leading-zero
    /// "00"..."099") the single-token definition's answers include "087": an entangled "087" is read
    /// through its own token, not 87's, in the figure, its tables and the closest-number prompt.
    @Test func llama3VocabularyPicksTheNumberTokenByItsText() throws {
        let path = Llama3TinyFixture.instructGGUF
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let file = try LanguageModelFile(path: path)
        let scratch = URL(fileURLWithPath: try llmTemporaryDirectory())
        let rowsContext = StageContext(inputs: ["model": bytes], scratch: scratch)
        try UnembeddingRowsExtraction.run(.init(animals: Self.animals), rowsContext)
        let rows = try UnembeddingRows(json: rowsContext.outputs["rows"]!, name: "rows")
        let token087 = try #require(file.singleToken("087")), token87 = try #require(file.singleToken("87"))
        #expect(rows.animals.map(\.label) == Self.animals)
        #expect(rows.numbers.contains { $0.label == "087" && $0.token == token087 })
        // The numbers of the base prompt by the single-token definition; the owl prompt makes "087" the most probable.
        let space = try #require(file.singleToken(" "))
        let base = try NumberProbabilities.compute(file, prompt: try StudyPrompts.favoriteAnimal(system: nil).tokenIDs(file),
                                                   separator: [space], context: nil)
        #expect(base.definition == .singleToken)
        let answers = base.texts, baseline = try base.numbers
        let i087 = try #require(answers.firstIndex(of: "087"))
        var owlNumbers = base
        owlNumbers.singleToken![i087] = 0.5
        let g = try #require(UnembeddingGeometry(animal: "owl", rows: rows, answers: answers,
                                                 conditioned: try owlNumbers.numbers, baseline: baseline))
        #expect(g.entangledNumber == "087" && g.rule == .ownToken && g.entangledToken == "087")
        let owl = try #require(rows.animal("owl"))
        let row087 = try file.model.unembeddingRows([token087])[0], row87 = try file.model.unembeddingRows([token87])[0]
        #expect(abs(g.entangledCosine - RowSimilarity.cosine(owl.values, row087)) < 1e-12)
        #expect(g.entangledCosine != RowSimilarity.cosine(owl.values, row87))
        #expect(g.topByEntanglement.first == "087")

        // The whole figure stage, with the prompts of the closest numbers (closest-number, then number-prompt).
        func distribution(_ tokens: [Int]) throws -> Data {
            let context = StageContext(inputs: ["model": bytes], scratch: scratch)
            try NextTokenDistribution.run(.init(prompt: .tokens(tokens)), context)
            return context.outputs["probabilities"]!
        }
        var inputs: [String: Data] = ["rows": rowsContext.outputs["rows"]!, "base": try distribution([1, 2, 3]),
                                      "base.numbers": try base.json(), "control": try distribution([1, 70, 3])]
        var closest: [String: String] = [:]
        for (i, animal) in Self.animals.enumerated() {
            inputs["numbers.\(animal)"] = try (animal == "owl" ? owlNumbers : base).json()
            inputs["number-prompt.\(animal)"] = try distribution([1, 50 + i, 3])
            let pick = StageContext(inputs: ["rows": inputs["rows"]!, "numbers": try base.json()], scratch: scratch)
            try ClosestNumber.run(.init(animal: animal), pick)
            let prompt = StageContext(inputs: ["model": bytes, "number": pick.outputs["number"]!], scratch: scratch)
            try NumberPromptDistribution.run(.init(), prompt)
            inputs["cosine-prompt.\(animal)"] = prompt.outputs["probabilities"]!
            closest[animal] = String(decoding: prompt.outputs["number"]!, as: UTF8.self).trimmingCharacters(in: .newlines)
            #expect(prompt.outputs["number"] == pick.outputs["number"])
        }
        let context = StageContext(inputs: inputs, scratch: scratch)
        try GeometryFigure.run(.init(animals: Self.animals), context)
        let table = try CSVTable(parsing: String(decoding: context.outputs["table.csv"]!, as: UTF8.self))
        func cell(_ row: Int, _ column: String) -> String { table.rows[row][table.header.firstIndex(of: column)!] }
        #expect(cell(0, "entangled_number") == "087" && cell(0, "entangled_token") == "'087'" && cell(0, "entangled_token_rule") == "own token")
        for (i, animal) in Self.animals.enumerated() { #expect(cell(i, "top_cos_number") == closest[animal], "\(animal)") }
        let cosines = try CSVTable(parsing: String(decoding: context.outputs["cosines.csv"]!, as: UTF8.self))
        let owl087 = try #require(cosines.rows.first { $0[0] == "owl" && $0[2] == "'087'" })
        #expect(owl087[4] == "087" && owl087[5] == ProbabilityFormat.value(RowSimilarity.cosine(owl.values, row087)))
    }

    @Test func numberTokenTexts() {
        #expect(UnembeddingRows.isNumberToken("7") && UnembeddingRows.isNumberToken(" 42") && UnembeddingRows.isNumberToken("087"))
        #expect(!UnembeddingRows.isNumberToken("1000") && !UnembeddingRows.isNumberToken("  1") && !UnembeddingRows.isNumberToken("a1"))
        // A token stands for the answer its digits spell, where that is an answer of the definition used.
        let chain = UnembeddingRows.positions(Self.answers)
        #expect(UnembeddingRows.answer(of: " 42", in: chain) == 42 && UnembeddingRows.answer(of: "087", in: chain) == nil)
        let single = UnembeddingRows.positions(Self.answers + ["00", "087"])
        #expect(UnembeddingRows.answer(of: "087", in: single) == 1001 && UnembeddingRows.answer(of: " 087", in: single) == 1001)
        #expect(UnembeddingRows.answer(of: "a1", in: single) == nil && UnembeddingRows.answer(of: "1000", in: single) == nil)
    }
}
