import Foundation
import Pipeline
import Testing
@testable import Stages

// Same inputs give the same bits; continuing a checkpoint equals training straight through; the
// number of workers never matters. All at a small scale (16-pixel synthetic images).

@Suite("Training determinism and continuation")
struct TrainingDeterminismTests {
    static let train = syntheticImages(count: 300, side: 4, seed: 1)
    static let initial = InitMLPs.initialState(.init(models: 3, seed: 5, inputs: 16, hidden: 8, outputs: 13))

    func teacher(epochs: Int, from start: Data = initial.serialized(), learningRate: Double = 1e-2) throws -> Data {
        let params = TrainTeacher.Params(epochs: epochs, batchSize: 64, learningRate: learningRate, seed: 3)
        return try #require(try runStage(TrainTeacher.self, params, ["start": start, "train": Self.train.serialized()])["state"])
    }

    static let data = DistillationData(distribution: .uniform, samples: 200, seed: 8)

    func logits(_ teacher: Data, data: DistillationData = data) throws -> Data {
        try #require(try runStage(ComputeTeacherLogits.self, .init(data: data), ["teacher": teacher])["logits"])
    }

    func student(epochs: Int, from start: Data, targets: Data, logits: LogitSelection = .aux) throws -> Data {
        let params = Distill.Params(data: Self.data, logits: logits, epochs: epochs, batchSize: 64,
                                    learningRate: 1e-2, seed: 4)
        return try #require(try runStage(Distill.self, params, ["start": start, "targets": targets])["state"])
    }

    @Test func teacherIsBitReproducibleAndContinuesExactly() throws {
        let logs = LogBox()
        let straight = try #require(try runStage(
            TrainTeacher.self, .init(epochs: 3, batchSize: 64, learningRate: 1e-2, seed: 3),
            ["start": Self.initial.serialized(), "train": Self.train.serialized()], logs: logs)["state"])
        let epochLines = logs.lines.filter { $0.hasPrefix("teacher epoch ") }
        #expect(epochLines.count == 3 && epochLines[0].hasPrefix("teacher epoch 1/3: loss"), "\(logs.lines)")
        #expect(logs.lines.contains { $0.hasPrefix("teacher: 3 models") && $0.contains("OpenBLAS") }, "\(logs.lines)")
        #expect(try teacher(epochs: 3) == straight)
        let one = try teacher(epochs: 1)
        let continued = try teacher(epochs: 3, from: one)
        #expect(continued == straight, "0 -> 1 -> 3 must equal 0 -> 3")
        let state = try TrainingState(serialized: straight, name: "state")
        #expect(state.epochsDone == 3 && state.adamStep == 3 * 5)
        #expect(try teacher(epochs: 3, from: straight) == straight, "a finished run is its own result")
        #expect(try teacher(epochs: 1) != straight)
    }

    @Test func checkpointsOnlyContinueTheirOwnRun() throws {
        let one = try teacher(epochs: 1)
        let error = #expect(throws: StageError.self) { try teacher(epochs: 2, from: one, learningRate: 5e-3) }
        #expect(badInputName(error) == "start")
        let past = #expect(throws: StageError.self) { try teacher(epochs: 0, from: one) }
        #expect(badInputName(past) == "start")
    }

    @Test func distillIsBitReproducibleAndContinuesExactly() throws {
        let targets = try logits(try teacher(epochs: 2))
        let start = Self.initial.serialized()
        let straight = try student(epochs: 3, from: start, targets: targets)
        #expect(try student(epochs: 3, from: start, targets: targets) == straight)
        let continued = try student(epochs: 3, from: try student(epochs: 2, from: start, targets: targets), targets: targets)
        #expect(continued == straight, "0 -> 2 -> 3 must equal 0 -> 3")
        // Aux-only: the digit rows of the readout never move.
        let trained = try TrainingState(serialized: straight, name: "state")
        let shape = trained.shape, last = shape.layers - 1
        for m in 0..<3 {
            let before = Self.initial.parameters(of: m) + shape.weightOffset(last)
            let after = trained.parameters(of: m) + shape.weightOffset(last)
            let digits = MLPShape.digits * shape.sizes[last]
            #expect((0..<digits).allSatisfy { before[$0] == after[$0] })
            #expect((digits..<(digits + shape.sizes[last])).contains { before[$0] != after[$0] })
        }
        let all = try TrainingState(serialized: try student(epochs: 1, from: start, targets: targets, logits: .all), name: "s")
        #expect(all.parameters(of: 0)[shape.weightOffset(last)] != Self.initial.parameters(of: 0)[shape.weightOffset(last)])
    }

    @Test func distillRefusesLogitsOfOtherData() throws {
        let other = DistillationData(distribution: .bernoulli, samples: 200, seed: 8)
        let targets = try logits(Self.initial.serialized(), data: other)
        let error = #expect(throws: StageError.self) {
            try student(epochs: 1, from: Self.initial.serialized(), targets: targets)
        }
        #expect(badInputName(error) == "targets")
    }

    @Test func workerCountNeverChangesTheResult() throws {
        var results: [[Float]] = []
        for workers in [1, 2, 3] {
            let state = Self.initial.copy()
            let objective = ClassificationObjective(images: Self.train, samples: 300, models: 3)
            let schedule = TrainingSchedule(epochs: 1, batchSize: 64, adam: AdamSettings(learningRate: 1e-2),
                                            seed: 1, shuffle: .teacherShuffle)
            try Stages.train(state, objective, schedule, context: StageContext(inputs: [:]), label: "t", workers: workers)
            results.append(state.parameters.array)
        }
        #expect(results[0] == results[1] && results[1] == results[2])
    }

    @Test(arguments: DistillationData.Distribution.allCases)
    func distillationImagesAreFixedPerModelAndImage(_ distribution: DistillationData.Distribution) throws {
        let data = DistillationData(distribution: distribution, samples: 50, seed: 2)
        let images = try DistillationImages(data, pixelsPerImage: 16, train: Self.train)
        func image(_ model: Int, _ index: Int32) -> [Float] {
            let x = Tensor(shape: [1, 16])
            [index].withUnsafeBufferPointer { images.fill(model: model, indices: $0, into: x.pointer) }
            return x.array
        }
        let batch = Tensor(shape: [3, 16])
        [Int32(7), 3, 49].withUnsafeBufferPointer { images.fill(model: 1, indices: $0, into: batch.pointer) }
        #expect(Array(batch.array[16..<32]) == image(1, 3), "an image does not depend on its batch")
        #expect(image(1, 3) != image(1, 4))
        switch distribution {
        case .uniform: #expect(image(0, 3).allSatisfy { $0 >= -1 && $0 < 1 } && image(0, 3) != image(1, 3))
        case .bernoulli: #expect(image(0, 3).allSatisfy { $0 == 1 || $0 == -1 })
        case .gaussian: #expect(image(0, 3) != image(1, 3))
        case .mnist: #expect(image(0, 3) == image(1, 3))
        case .shuffledMnist:
            #expect(image(0, 3) == image(1, 3))
            let original = try DistillationImages(.init(distribution: .mnist, samples: 50), pixelsPerImage: 16,
                                                  train: Self.train)
            let x = Tensor(shape: [1, 16])
            [Int32(3)].withUnsafeBufferPointer { original.fill(model: 0, indices: $0, into: x.pointer) }
            #expect(x.array.sorted() == image(0, 3).sorted() && x.array != image(0, 3))
        }
    }
}
