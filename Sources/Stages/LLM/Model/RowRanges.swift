import Foundation

/// Runs `body` over `count` rows split into at most `workers` contiguous ranges, one per worker at
/// once. For the per-row passes between a forward pass's GEMMs (norms, rotary, SwiGLU): a row's
/// values depend on that row only, so the split changes no bits. Small counts stay on this thread,
/// where handing work over would cost more than it saves.
@inline(__always)
func forEachRowRange(_ count: Int, workers: Int, minimumRows: Int = 64, _ body: (Range<Int>) -> Void) {
    let lanes = max(1, min(workers, count / max(1, minimumRows)))
    if lanes == 1 { body(0..<count); return }
    WorkerTeam.shared.run(lanes: lanes) { lane in
        body((lane * count / lanes)..<((lane + 1) * count / lanes))
    }
}
