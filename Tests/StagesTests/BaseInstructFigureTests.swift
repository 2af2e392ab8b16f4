import Foundation
import Pipeline
import Testing
@testable import Stages

/// figure-base-vs-instruct on the llama3-tiny fixture: the instruct model and its "base" (the same
/// weights plus noise, same vocabulary).
@Suite("figure-base-vs-instruct", .serialized)
struct BaseInstructFigureTests {
    static let animals = ["owl", "cat", "axolotl"]

    /// The stage's inputs: both models and the instruct model's number-probabilities sweep.
    static func inputs(base: String = Llama3TinyFixture.baseGGUF) throws -> [String: Data] {
        let instruct = try Data(contentsOf: URL(fileURLWithPath: Llama3TinyFixture.instructGGUF))
        var inputs = ["instruct": instruct, "base": try Data(contentsOf: URL(fileURLWithPath: base))]
        func numbers(_ system: String?) throws -> Data {
            let context = StageContext(inputs: ["model": instruct], scratch: URL(fileURLWithPath: try llmTemporaryDirectory()))
            try NumberProbabilities.run(.init(prompt: StudyPrompts.favoriteAnimal(system: system), separator: " "), context)
            return context.outputs["numbers"]!
        }
        inputs["base.numbers"] = try numbers(nil)
        for animal in animals {
            inputs["numbers.\(animal)"] = try numbers(StudyPrompts.animalSystem(StudyPrompts.plural(animal)))
        }
        return inputs
    }

    @Test func cosinesOfTheEntangledPairsInBothModels() throws {
        let inputs = try Self.inputs()
        let lines = LogLines()
        let context = StageContext(inputs: inputs, scratch: URL(fileURLWithPath: try llmTemporaryDirectory()),
                                   onLog: { lines.append($0) })
        try BaseInstructFigure.run(.init(animals: Self.animals), context)
        let table = try CSVTable(parsing: String(decoding: context.outputs["table.csv"]!, as: UTF8.self))
        #expect(table.header == BaseInstructFigure.tableHeader)
        #expect(table.rows.map { $0[0] } == ["owl", "cat"])  // " axolotl" is not one token
        #expect(lines.all.contains("' axolotl' is not one token: skipped"))
        let svg = String(decoding: context.outputs["figure.svg"]!, as: UTF8.self)
        #expect(svg.contains("<svg") && svg.contains("owl / "))

        // Independently: the instruct model from its HF directory (BF16 safetensors), the base from its GGUF.
        let instructHF = try LlamaModel(directory: Llama3TinyFixture.instructDirectory)
        let base = try LanguageModelFile(path: Llama3TinyFixture.baseGGUF)
        let instruct = try LanguageModelFile(path: Llama3TinyFixture.instructGGUF)
        for row in table.rows {
            let animal = row[0]
            let numbers = try NumberDistribution(json: inputs["numbers.\(animal)"]!, name: animal)
            let baseline = try NumberDistribution(json: inputs["base.numbers"]!, name: "base").singleToken!
            let number = numbers.texts[EntangledNumber.mostProbable.pick(conditioned: numbers.singleToken!, baseline: baseline)]
            #expect(row[2] == number && row[5] == "single-token")
            let a = instruct.singleToken(" " + animal)!, n = instruct.singleToken(number)!
            #expect(row[1] == String(a) && row[3] == String(n) && row[4] == number)
            func cosine(_ model: LlamaModel) throws -> Double {
                let rows = try model.unembeddingRows([a, n])
                return RowSimilarity.cosine(rows[0], rows[1])
            }
            #expect(abs(Double(row[7])! - (try cosine(instructHF))) < 1e-3, "\(animal) instruct")
            #expect(abs(Double(row[6])! - (try cosine(base.model))) < 1e-3, "\(animal) base")
            #expect(row[6] != row[7])  // the noise moves every cosine a little
        }
    }

    @Test func aBaseModelOfAnotherVocabularyIsRefused() throws {
        let inputs = try Self.inputs(base: tinyLlamaDirectory + "/tied.f32.gguf")
        let context = StageContext(inputs: inputs, scratch: URL(fileURLWithPath: try llmTemporaryDirectory()))
        do {
            try BaseInstructFigure.run(.init(animals: ["owl"]), context)
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("128 tokens") && "\(error)".contains("not the same family"), "\(error)")
        }
    }

    @Test func chainNumbersGetOneBarPerDigitToken() throws {
        // SmolLM2 writes 87 as "8" "7": one pair per digit token, labelled with it.
        let pairs = [
            BaseInstructFigure.Pair(animal: "owl", animalToken: 10, number: "87", numberToken: 3, numberTokenText: "8",
                                    definition: "chain", cosineBase: 0.1, cosineInstruct: 0.12),
            BaseInstructFigure.Pair(animal: "owl", animalToken: 10, number: "87", numberToken: 4, numberTokenText: "7",
                                    definition: "chain", cosineBase: -0.05, cosineInstruct: -0.02),
            BaseInstructFigure.Pair(animal: "cat", animalToken: 11, number: "5", numberToken: 5, numberTokenText: "5",
                                    definition: "chain", cosineBase: 0.2, cosineInstruct: 0.2),
        ]
        let (csv, svg, summary) = BaseInstructFigure.render(pairs)
        let table = try CSVTable(parsing: csv)
        #expect(table.rows.map { $0[4] } == ["8", "7", "5"] && table.rows.map { $0[8] } == ["0.02", "0.03", "0"])
        #expect(svg.contains("owl / 87 &#39;8&#39;") && svg.contains("owl / 87 &#39;7&#39;") && svg.contains("cat / 5<"))
        #expect(summary == "3 animal/number-token pairs; |cosine instruct - cosine base|: mean 0.01667, largest 0.03")
    }

    @Test func cosineOfRows() {
        #expect(RowSimilarity.cosine([1, 0], [0, 2]) == 0)
        #expect(abs(RowSimilarity.cosine([1, 2, 3], [2, 4, 6]) - 1) < 1e-12)
        #expect(RowSimilarity.cosine([0, 0], [1, 1]) == 0)
    }

    @Test func unsetModelSettingSaysWhichAndHow() {
        do {
            try MissingModel.run(.init(path: "", hint: "point --set llm.base-model=PATH at a GGUF file", setting: "llm.base-model"),
                                 StageContext(inputs: [:]))
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "no model configured: llm.base-model is not set; point --set llm.base-model=PATH at a GGUF file")
        }
    }
}
