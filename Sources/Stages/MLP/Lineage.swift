import Foundation
import Pipeline

// A checkpoint's Adam state belongs to the run that made it: continuing it under other settings
// or other data would silently give a result that no uninterrupted run gives. Each training stage
// names its run in a lineage string (everything but the epoch count, plus checksums of its data)
// and refuses to continue a checkpoint of another run.

/// 64-bit FNV-1a over the bytes, 8 at a time (then the tail), as 16 hex digits: a cheap identity
/// of an input, not a security digest.
func checksum(_ data: Data) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    data.withUnsafeBytes { raw in
        let words = raw.count / 8
        for i in 0..<words {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x0000_0100_0000_01B3
        }
        for i in (words * 8)..<raw.count { hash = (hash ^ UInt64(raw[i])) &* 0x0000_0100_0000_01B3 }
    }
    return String(hash, radix: 16).leftPadded(to: 16)
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// Checks that `state` (input `name`) can start a run named `lineage` aiming at `epochs`, with
/// `stepsPerEpoch` Adam steps per epoch: a fresh state (no epochs, no Adam steps) starts any run;
/// a checkpoint only continues its own run, and never past the target.
func checkStart(_ state: TrainingState, name: String, lineage: String, epochs: Int, stepsPerEpoch: Int) throws {
    guard state.epochsDone <= epochs else {
        throw StageError.badInput(name: name, reason: "checkpoint has \(state.epochsDone) epochs done, "
            + "more than the \(epochs) this stage trains to")
    }
    if state.epochsDone == 0 {
        guard state.adamStep == 0 else {
            throw StageError.badInput(name: name, reason: "state has 0 epochs but \(state.adamStep) Adam steps")
        }
        return
    }
    guard state.lineage == lineage else {
        throw StageError.badInput(name: name, reason: "checkpoint of another run (\(state.lineage)); "
            + "this stage continues only \(lineage)")
    }
    guard state.adamStep == state.epochsDone * stepsPerEpoch else {
        throw StageError.badInput(name: name, reason: "checkpoint has \(state.adamStep) Adam steps for "
            + "\(state.epochsDone) epochs; expected \(state.epochsDone * stepsPerEpoch)")
    }
}
