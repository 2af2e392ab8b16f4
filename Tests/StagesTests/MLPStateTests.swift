import Foundation
import Pipeline
import Testing
@testable import Stages

/// The error's input name when it is StageError.badInput, else nil.
func badInputName(_ error: (any Error)?) -> String? {
    if case let StageError.badInput(name, _)? = error as? StageError { return name }
    return nil
}

@Suite("MLP artifacts: formats and parameters")
struct MLPStateTests {
    func sampleState(adamSteps: Int) -> TrainingState {
        let state = InitMLPs.initialState(.init(models: 3, seed: 1, inputs: 16, hidden: 8, outputs: 13))
        if adamSteps > 0 {
            state.adamM.pointer.update(from: testValues(state.adamM.count, seed: 2), count: state.adamM.count)
            state.adamV.pointer.update(from: testValues(state.adamV.count, seed: 3), count: state.adamV.count)
        }
        state.adamStep = adamSteps
        state.epochsDone = adamSteps > 0 ? 2 : 0
        state.lineage = "a lineage ✓"
        return state
    }

    @Test(arguments: [0, 10])
    func trainingStateRoundTrips(adamSteps: Int) throws {
        let state = sampleState(adamSteps: adamSteps)
        let bytes = state.serialized()
        let floats = 3 * state.shape.parameterCount * (adamSteps > 0 ? 3 : 1)
        #expect(bytes.count == 4 * 4 + 4 * 4 + 4 + 8 + 4 + Array("a lineage ✓".utf8).count + 4 * floats)
        let back = try TrainingState(serialized: bytes, name: "start")
        #expect(back.shape == state.shape && back.models == 3 && back.lineage == state.lineage)
        #expect(back.epochsDone == state.epochsDone && back.adamStep == adamSteps)
        #expect(back.parameters.array == state.parameters.array)
        #expect(back.adamM.array == state.adamM.array && back.adamV.array == state.adamV.array)
        #expect(back.serialized() == bytes)
    }

    @Test func badTrainingStateBytesNameTheInput() {
        let bytes = sampleState(adamSteps: 10).serialized()
        let defects: [Data] = [Data(), Data("PTSX".utf8) + bytes.dropFirst(4), bytes.dropLast(4), bytes + Data([0]),
                               Data(bytes.prefix(4)) + Data([2, 0, 0, 0]) + bytes.dropFirst(8)]
        for defect in defects {
            let error = #expect(throws: StageError.self) { try TrainingState(serialized: defect, name: "start") }
            #expect(badInputName(error) == "start", "\(String(describing: error))")
        }
        let error = #expect(throws: StageError.self) {
            try runStage(TrainTeacher.self, .init(epochs: 1), ["start": Data([1, 2, 3]), "train": Data()])
        }
        #expect(badInputName(error) == "start")
    }

    @Test func teacherLogitsRoundTripAndRejectBadBytes() throws {
        let data = DistillationData(distribution: .gaussian, samples: 5, seed: 9)
        let logits = TeacherLogits(models: 2, samples: 5, outputs: 13, data: data, teacher: "t epochs=5")
        logits.logits.pointer.update(from: testValues(logits.logits.count, seed: 4), count: logits.logits.count)
        let bytes = logits.serialized()
        let back = try TeacherLogits(serialized: bytes, name: "targets")
        #expect(back.data == data && back.teacher == "t epochs=5" && back.logits.array == logits.logits.array)
        #expect(back.logits.shape == [2, 5, 13])
        for defect in [bytes.dropLast(1), Data("PTST".utf8) + bytes.dropFirst(4)] {
            let error = #expect(throws: StageError.self) { try TeacherLogits(serialized: defect, name: "targets") }
            #expect(badInputName(error) == "targets")
        }
    }

    @Test func paramsDecodeWithDefaultsAndLogitSelectionsCode() throws {
        let decoder = JSONDecoder()
        let distill = try Distill.Params.decoding(#"{"epochs": 3, "logits": "all", "data": {"seed": 0}}"#)
        #expect(distill == Distill.Params(logits: .all, epochs: 3))
        #expect(distill.data == DistillationData(distribution: .uniform, samples: 60_000, seed: 0))
        #expect(try TrainTeacher.Params.decoding("{}") == TrainTeacher.Params())
        #expect(TrainTeacher.Params().learningRate == 3e-4 && TrainTeacher.Params().batchSize == 1024)
        #expect(try InitMLPs.Params.decoding(#"{"models": 4}"#).hidden == 256)
        let shuffled = try DistillationData.decoding(#"{"distribution": "shuffled-mnist"}"#)
        #expect(shuffled.distribution == .shuffledMnist)
        for selection in [LogitSelection.aux, .all, .range(2, 7)] {
            let json = try JSONEncoder().encode([selection])
            #expect(try decoder.decode([LogitSelection].self, from: json) == [selection])
        }
        #expect(LogitSelection.aux.columns(outputs: 13) == 10..<13)
        #expect(LogitSelection.all.columns(outputs: 13) == 0..<13)
        #expect(LogitSelection.range(5, 14).columns(outputs: 13) == nil)
        #expect(throws: DecodingError.self) { try decoder.decode([LogitSelection].self, from: Data(#"["ghost"]"#.utf8)) }
    }

    @Test func initIsTheStudysReferenceInit() throws {
        let params = InitMLPs.Params(models: 2, seed: 3, inputs: 784, hidden: 256, outputs: 13)
        let bytes = try #require(try runStage(InitMLPs.self, params, [:])["state"])
        let state = try TrainingState(serialized: bytes, name: "state")
        #expect(state.epochsDone == 0 && state.adamStep == 0 && state.shape.sizes == [784, 256, 256, 13])
        #expect(bytes.count < 3 * 4 * state.parameters.count / 2, "a fresh state stores no Adam moments")
        let shape = state.shape
        for l in 0..<shape.layers {
            let w = state.parameters(of: 1) + shape.weightOffset(l)
            let count = shape.sizes[l] * shape.sizes[l + 1]
            let values = (0..<count).map { Double(w[$0]) }
            let mean = values.reduce(0, +) / Double(count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count)).squareRoot()
            let expected = 1 / Double(shape.sizes[l]).squareRoot()
            #expect(abs(mean) < 4 * expected / Double(count).squareRoot())
            #expect(abs(std / expected - 1) < 0.05, "layer \(l): std \(std), expected \(expected)")
            let bias = state.parameters(of: 1) + shape.biasOffset(l)
            #expect((0..<shape.sizes[l + 1]).allSatisfy { bias[$0] == 0 })
        }
        let again = try #require(try runStage(InitMLPs.self, params, [:])["state"])
        #expect(again == bytes)
    }

    @Test func permuteModelsIsADerangementOfWholeModels() throws {
        let state = InitMLPs.initialState(.init(models: 5, seed: 1, inputs: 16, hidden: 8, outputs: 13))
        let out = try #require(try runStage(PermuteModels.self, .init(seed: 2), ["state": state.serialized()])["state"])
        let permuted = try TrainingState(serialized: out, name: "state")
        let perm = PermuteModels.permutation(models: 5, seed: 2)
        let count = state.shape.parameterCount
        for m in 0..<5 {
            #expect(perm[m] != m)
            #expect(Array(UnsafeBufferPointer(start: permuted.parameters(of: m), count: count))
                    == Array(UnsafeBufferPointer(start: state.parameters(of: perm[m]), count: count)))
        }
    }
}
