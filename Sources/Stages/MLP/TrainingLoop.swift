import Foundation
import Pipeline

/// What a training stage minimizes, batch by batch, for one model at a time.
protocol TrainingObjective: Sendable {
    /// Training examples per model per epoch.
    var samples: Int { get }
    /// Loads examples `indices` of `model` into the workspace, runs forward and backward with
    /// parameters w, leaves dLoss/dParameters in ws.gradient and returns the model's share of the
    /// batch loss (PyTorch's batch loss is the sum of the models' shares).
    func gradient(model: Int, indices: UnsafeBufferPointer<Int32>, parameters w: UnsafePointer<Float>,
                  workspace ws: Workspace) -> Double
}

/// How a training stage walks its data: epochs, batches, shuffles and optimizer.
struct TrainingSchedule {
    /// Absolute epoch count to reach.
    var epochs: Int
    var batchSize: Int
    var adam: AdamSettings
    var seed: UInt64
    var shuffle: RandomPurpose

    /// Batches per epoch: the last one may be partial (a DataLoader without drop_last).
    func batchesPerEpoch(samples: Int) -> Int { (samples + batchSize - 1) / batchSize }
}

/// Trains every model of `state` from state.epochsDone to schedule.epochs, in place.
///
/// Model m's epoch e visits its examples in the order shuffledIndices(samples,
/// RandomStream(seed, shuffle, m, e)), in batches of batchSize, with one Adam step per batch; the
/// Adam step count runs on across stages. So training 0 -> 10 and 0 -> 5 -> 10 give the same bits.
/// Models are independent (their losses only add), so workers train different models at once.
/// `workers` never changes the result, only the speed.
func train(_ state: TrainingState, _ objective: some TrainingObjective, _ schedule: TrainingSchedule,
           context: StageContext, label: String, workers: Int = BLAS.threads) throws {
    let models = state.models, samples = objective.samples, batch = schedule.batchSize
    let perEpoch = schedule.batchesPerEpoch(samples: samples)
    let firstEpoch = state.epochsDone
    let units = (schedule.epochs - firstEpoch) * perEpoch
    guard units > 0 else { return }
    try BLAS.ensureLoaded()

    let workers = max(1, min(workers, models))
    if let note = BLAS.coreNote { context.log(note) }
    context.log("\(label): \(models) models, epochs \(firstEpoch) -> \(schedule.epochs), \(perEpoch) batches of "
        + "\(batch) per epoch, \(workers) workers, OpenBLAS \(BLAS.coreName)")
    let workspaces = (0..<workers).map { _ in Workspace(shape: state.shape, batch: batch) }
    let orders = UnsafeMutablePointer<Int32>.allocate(capacity: models * samples)
    defer { orders.deallocate() }
    let firstStep = state.adamStep
    let count = state.shape.parameterCount
    let book = EpochBook(models: models, perEpoch: perEpoch, firstEpoch: firstEpoch, epochs: schedule.epochs,
                         label: label, context: context)

    try runModelUnits(models: models, unitsPerModel: units, workers: workers, context: context,
                      onFinish: { model, unit in book.finished(unit: unit) }) { model, unit, worker in
        let epoch = firstEpoch + unit / perEpoch, b = unit % perEpoch
        let order = orders + model * samples
        if b == 0 {
            for i in 0..<samples { order[i] = Int32(i) }
            shuffle(UnsafeMutableBufferPointer(start: order, count: samples),
                    RandomStream(seed: schedule.seed, schedule.shuffle, model, epoch))
        }
        let start = b * batch
        let indices = UnsafeBufferPointer(start: order + start, count: min(batch, samples - start))
        let w = state.parameters(of: model)
        let ws = workspaces[worker]
        let loss = objective.gradient(model: model, indices: indices, parameters: w, workspace: ws)
        ws.adamStep(w, m: state.adamM.pointer + model * count, v: state.adamV.pointer + model * count,
                    step: firstStep + unit + 1, settings: schedule.adam)
        book.record(unit: unit, loss: loss)
    }
    state.adamStep = firstStep + units
    state.epochsDone = schedule.epochs
}

/// Per-epoch loss bookkeeping, progress reports and the one log line per epoch.
private final class EpochBook: @unchecked Sendable {
    private let lock = NSLock()
    private let models: Int, perEpoch: Int, firstEpoch: Int, epochs: Int
    private let label: String
    private let context: StageContext
    private var lossSums: [Double]
    private var unitsDone: [Int]
    private var totalDone = 0
    private let started = ContinuousClock.now

    init(models: Int, perEpoch: Int, firstEpoch: Int, epochs: Int, label: String, context: StageContext) {
        self.models = models; self.perEpoch = perEpoch; self.firstEpoch = firstEpoch; self.epochs = epochs
        self.label = label; self.context = context
        lossSums = Array(repeating: 0, count: epochs - firstEpoch)
        unitsDone = Array(repeating: 0, count: epochs - firstEpoch)
    }

    func record(unit: Int, loss: Double) {
        lock.withLock { lossSums[unit / perEpoch] += loss }
    }

    /// Called under the scheduler's lock once per finished unit, so reports come in order.
    func finished(unit: Int) {
        let e = unit / perEpoch
        let (done, total, epochLoss) = lock.withLock { () -> (Int, Int, Double) in
            unitsDone[e] += 1
            totalDone += 1
            // The models' shares summed per batch, averaged over the batches seen so far.
            return (unitsDone[e], totalDone, lossSums[e] * Double(models) / Double(unitsDone[e]))
        }
        let fraction = Double(firstEpoch) + Double(total) / Double(models * perEpoch)
        context.progress(fraction, of: Double(epochs), "epoch", detail: String(format: "loss %.4f", epochLoss))
        if done == models * perEpoch {
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            context.log("\(label) epoch \(firstEpoch + e + 1)/\(epochs): loss "
                + String(format: "%.5f, %.1f s", epochLoss, seconds))
        }
    }
}
