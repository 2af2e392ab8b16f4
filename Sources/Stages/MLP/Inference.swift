import Pipeline

/// Rows per forward pass when only predicting. Fixed, so a sample's logits never depend on how
/// many samples a stage evaluates (GEMM kernels may round edge tiles differently).
let inferenceBatch = 1024

/// Runs each model of `state` over samples 0..<samples in order, `inferenceBatch` at a time, on
/// pipe's workers: `fill(model, first, rows, ws)` loads the inputs, `use(model, first, rows, ws)`
/// reads the logits in ws.logits (rows, outputs).
func forEachBatch(_ state: TrainingState, samples: Int, context: StageContext,
                  fill: (Int, Int, Int, Workspace) -> Void, use: (Int, Int, Int, Workspace) -> Void) throws {
    try BLAS.ensureLoaded()
    let batches = (samples + inferenceBatch - 1) / inferenceBatch
    let workers = min(BLAS.threads, state.models)
    let workspaces = (0..<workers).map { _ in Workspace(shape: state.shape, batch: inferenceBatch) }
    let total = Double(state.models * batches)
    var finished = 0
    try runModelUnits(models: state.models, unitsPerModel: batches, workers: workers, context: context,
                      onFinish: { _, _ in
                          finished += 1
                          context.progress(Double(finished), of: total, "batch")
                      }) { model, batch, worker in
        let ws = workspaces[worker]
        let first = batch * inferenceBatch, rows = min(inferenceBatch, samples - first)
        fill(model, first, rows, ws)
        forward(state.parameters(of: model), ws, rows: rows)
        use(model, first, rows, ws)
    }
}
