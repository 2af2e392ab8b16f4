import Dispatch
import Foundation
import Pipeline

/// Hands out (model, unit) work to worker threads: each model's units run in order and one at a
/// time, different models in parallel.
///
/// A free worker takes the least-advanced model no other worker holds, so all models progress
/// together and the workers stay busy until the last unit. Which worker runs which unit never
/// changes a result: a unit only touches its own model's data.
final class ModelScheduler: @unchecked Sendable {
    private let lock = NSLock()
    private var done: [Int]
    private var busy: [Bool]
    private let unitsPerModel: Int
    private var stopped = false

    init(models: Int, unitsPerModel: Int) {
        done = Array(repeating: 0, count: models)
        busy = Array(repeating: false, count: models)
        self.unitsPerModel = unitsPerModel
    }

    /// The next unit to run, or nil when all are taken or the run was stopped.
    func next() -> (model: Int, unit: Int)? {
        lock.withLock {
            guard !stopped else { return nil }
            var best: Int?
            for m in done.indices where !busy[m] && done[m] < unitsPerModel {
                if best == nil || done[m] < done[best!] { best = m }
            }
            guard let m = best else { return nil }
            busy[m] = true
            return (m, done[m])
        }
    }

    /// Marks the model's current unit done; `then` runs under the scheduler's lock.
    func finish(model: Int, then: () -> Void = {}) {
        lock.withLock {
            done[model] += 1
            busy[model] = false
            then()
        }
    }

    /// Hands out no more units.
    func stop() { lock.withLock { stopped = true } }

    var wasStopped: Bool { lock.withLock { stopped } }
}

/// Runs `body(model, unit, workerIndex)` for every unit of every model on `workers` threads, units
/// of one model in order; checks cancellation before each unit and throws CancellationError.
func runModelUnits(models: Int, unitsPerModel: Int, workers: Int, context: StageContext,
                   onFinish: @escaping (Int, Int) -> Void = { _, _ in },
                   _ body: (Int, Int, Int) -> Void) throws {
    let scheduler = ModelScheduler(models: models, unitsPerModel: unitsPerModel)
    let threads = max(1, min(workers, models))
    // Each unit touches only its own model's data and its worker's workspace (see ModelScheduler).
    nonisolated(unsafe) let body = body
    nonisolated(unsafe) let onFinish = onFinish
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
        while let (model, unit) = scheduler.next() {
            if context.isCancelled {
                scheduler.stop()
                scheduler.finish(model: model)
                break
            }
            body(model, unit, worker)
            scheduler.finish(model: model) { onFinish(model, unit) }
        }
    }
    if scheduler.wasStopped { throw CancellationError() }
}
