import CKernels
import Foundation
import Synchronization

// A decode step runs about 150 parallel regions per token (five per layer: three weight GEMMs,
// the fused gate/up GEMM, attention). Through DispatchQueue.concurrentPerform each region wakes a
// pool thread and waits for it to finish; at a token every ~30 ms that hand-off cost a quarter of
// the step (34.8 tok/s measured against a memory-bandwidth ceiling near 49). Here the helpers stay
// awake, spinning with PAUSE, for a short while after each region, so the next region of the same
// pass starts at once; after `spinNanoseconds` without work they sleep on a condition variable.
// Lane i runs on the same kind of thread as before and gets the same work, so no bits change.

/// Persistent threads that run the lanes of a parallel region: lane 0 on the caller, lane i on helper i.
public final class WorkerTeam: @unchecked Sendable {
    /// The process's team: one helper per core but the caller's.
    static let shared = WorkerTeam(helpers: max(1, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// How long a helper spins for the next region before it sleeps.
    static let spinNanoseconds: UInt64 = 1_000_000

    /// Regions go through DispatchQueue.concurrentPerform instead: PIPE_WORKER_TEAM=off in the
    /// environment, or PrefillBenchmark's `--dispatch`, to compare the two; set before any region runs.
    nonisolated(unsafe) public static var bypassed = ProcessInfo.processInfo.environment["PIPE_WORKER_TEAM"] == "off"

    let helperCount: Int
    /// (region number << 16) | lanes: one word, so a helper never pairs one region's number with another's lanes.
    private let state = Atomic<Int>(0)
    /// Helper lanes of the current region still running.
    private let pending = Atomic<Int>(0)
    /// Whether a caller owns the team (a region started while it is owned runs through Dispatch).
    private let owned = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let wakeup = NSCondition()
    /// The current region's body; written before `state` is published, read by helpers after it.
    private var body: ((Int) -> Void)?

    init(helpers: Int) {
        helperCount = helpers
        for index in 1...helpers {
            let thread = Thread { [unowned self] in self.serve(lane: index) }
            thread.name = "pipe-worker-\(index)"
            thread.start()
        }
    }

    /// Runs `body(lane)` for lane in 0..<lanes, at once, and returns when all have finished.
    func run(lanes: Int, _ body: (Int) -> Void) {
        if lanes <= 1 { if lanes == 1 { body(0) }; return }
        guard !Self.bypassed, lanes - 1 <= helperCount, lanes < 1 << 16,
              owned.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            withoutActuallyEscaping(body) { body in
                nonisolated(unsafe) let body = body
                DispatchQueue.concurrentPerform(iterations: lanes) { body($0) }
            }
            return
        }
        withoutActuallyEscaping(body) { body in
            self.body = body
            pending.store(lanes - 1, ordering: .relaxed)
            let region = (state.load(ordering: .relaxed) >> 16) + 1
            state.store(region << 16 | lanes, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wakeup.lock(); wakeup.broadcast(); wakeup.unlock()
            }
            body(0)
            while pending.load(ordering: .acquiring) > 0 { pipe_spin_pause() }
            self.body = nil
        }
        owned.store(false, ordering: .releasing)
    }

    /// A helper's loop: wait for a region, run its lane if the region has one for it, report.
    private func serve(lane: Int) {
        var seen = 0
        while true {
            var current = state.load(ordering: .acquiring)
            if current >> 16 == seen >> 16 {
                let started = DispatchTime.now().uptimeNanoseconds
                var spins = 0
                while current >> 16 == seen >> 16 {
                    pipe_spin_pause()
                    spins += 1
                    if spins & 1023 == 0, DispatchTime.now().uptimeNanoseconds - started > Self.spinNanoseconds {
                        wakeup.lock()
                        sleepers.add(1, ordering: .sequentiallyConsistent)
                        while state.load(ordering: .sequentiallyConsistent) >> 16 == seen >> 16 { wakeup.wait() }
                        sleepers.subtract(1, ordering: .sequentiallyConsistent)
                        wakeup.unlock()
                    }
                    current = state.load(ordering: .acquiring)
                }
            }
            seen = current
            if lane < current & 0xFFFF {
                runLane(lane)
                pending.subtract(1, ordering: .releasing)
            }
        }
    }

    /// Calls the region's body for `lane`. A function of its own so that every reference it takes to
    /// the body is released when it returns, before the caller is told: `run` ends the body's life
    /// (withoutActuallyEscaping checks that nothing still holds it).
    @inline(never)
    private func runLane(_ lane: Int) { body!(lane) }
}
