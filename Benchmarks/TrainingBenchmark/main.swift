// TrainingBenchmark: one teacher epoch and one distillation epoch of the study at full scale, with
// the GFLOP/s they achieve and the OpenBLAS sgemm peak on the same shapes, measured here.
//
//   scripts/swiftpm build -c release --product TrainingBenchmark && .build/release/TrainingBenchmark [--models 25] [--samples 60000] [--batch 1024]
//                                          [--hidden 256] [--mnist DIR] [--json] [--skip-peak] [--peak-only]
//
// `--peak-only` measures the sgemm peak and stops (scripts/bench_cold.py divides a cold build's
// useful FLOPs by it).
//
// FLOPs count only the GEMMs (2 per multiply-add): forward, all weight gradients, and the input
// gradients of every layer but the first (MLPShape.trainingFLOPsPerSample).
import Dispatch
import Foundation
import Pipeline
import Stages

struct Options {
    var models = 25, samples = 60_000, batch = 1024, hidden = 256
    var mnist = "../shared/data/mnist"
    var json = false
    /// Skip the sgemm measurements (percentages then read nan): for quick before/after timings.
    var skipPeak = false
    /// Measure the sgemm peak only (no training).
    var peakOnly = false

    static let usage = """
        usage: TrainingBenchmark [--models 25] [--samples 60000] [--batch 1024] [--hidden 256] [--mnist DIR]
                                 [--json] [--skip-peak] [--peak-only]
        One teacher epoch, one distillation epoch and the teacher's logits at full scale, with their GFLOP/s
        and the OpenBLAS sgemm peak measured in the same run (see the comment atop main.swift).
        """

    init(_ arguments: [String]) {
        var i = 0
        func value() -> String { i += 1; return i < arguments.count ? arguments[i] : "" }
        while i < arguments.count {
            switch arguments[i] {
            case "--models": models = Int(value()) ?? models
            case "--samples": samples = Int(value()) ?? samples
            case "--batch": batch = Int(value()) ?? batch
            case "--hidden": hidden = Int(value()) ?? hidden
            case "--mnist": mnist = value()
            case "--json": json = true
            case "--skip-peak": skipPeak = true
            case "--peak-only": peakOnly = true
            case "--help", "-h": print(Self.usage); exit(0)
            default:
                FileHandle.standardError.write(Data("TrainingBenchmark: unknown argument \(arguments[i])\n\(Self.usage)\n".utf8))
                exit(2)
            }
            i += 1
        }
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    try timed(body).wall
}

/// CPU seconds (user + system) this process has used, all threads.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Wall and CPU seconds of `body`. On a machine shared with other jobs, wall time measures the
/// share we got; FLOPs per CPU second measure the code.
func timed(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let start = ContinuousClock.now, cpuStart = cpuSeconds()
    try body()
    let elapsed = ContinuousClock.now - start
    return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, cpuSeconds() - cpuStart)
}

/// One GEMM of a training step: C (m,n) = op(A) op(B), with the storage layout the step uses.
struct GEMMShape {
    var name: String, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// The GEMMs of one training step of one model on `rows` samples (see MLPPass.swift).
func stepShapes(_ sizes: [Int], rows: Int) -> [GEMMShape] {
    var shapes: [GEMMShape] = []
    for l in 0..<(sizes.count - 1) {
        shapes.append(GEMMShape(name: "fwd\(l)", m: rows, n: sizes[l + 1], k: sizes[l], transposeA: false, transposeB: true))
    }
    for l in stride(from: sizes.count - 2, through: 0, by: -1) {
        shapes.append(GEMMShape(name: "dW\(l)", m: sizes[l + 1], n: sizes[l], k: rows, transposeA: true, transposeB: false))
        if l > 0 {
            shapes.append(GEMMShape(name: "dX\(l)", m: rows, n: sizes[l], k: sizes[l + 1], transposeA: false, transposeB: false))
        }
    }
    return shapes
}

/// Buffers big enough for every shape, one set per worker.
final class Operands: @unchecked Sendable {
    let a: Tensor, b: Tensor, c: Tensor
    init(_ shapes: [GEMMShape]) {
        let size = shapes.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max()!
        a = Tensor(shape: [size]); b = Tensor(shape: [size]); c = Tensor(shape: [size])
        for i in 0..<size { a[i] = Float(i % 13) * 0.01; b[i] = Float(i % 7) * 0.01 }
    }
    func run(_ s: GEMMShape) {
        BLAS.sgemm(transposeA: s.transposeA, transposeB: s.transposeB, m: s.m, n: s.n, k: s.k, a.pointer, b.pointer, c.pointer)
    }
}

/// GFLOP per wall second and per CPU second of running `shapes` (in order, `repeats` times) on
/// `workers` threads at once, each with its own operands and single-threaded OpenBLAS; best of 5.
func workersRate(_ shapes: [GEMMShape], workers: Int, repeats: Int) -> (wall: Double, cpu: Double) {
    let operands = (0..<workers).map { _ in Operands(shapes) }
    let flops = shapes.map(\.flops).reduce(0, +) * Double(repeats * workers)
    var best = (wall: Double.infinity, cpu: Double.infinity)
    for _ in 0..<5 {
        let t = timed {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for _ in 0..<repeats { for s in shapes { operands[w].run(s) } }
            }
        }
        best = (min(best.wall, t.wall), min(best.cpu, t.cpu))
    }
    return (flops / best.wall / 1e9, flops / best.cpu / 1e9)
}

/// GFLOP/s of the same shapes run one call at a time with OpenBLAS on `threads` threads; best of 5.
func libraryRate(_ shapes: [GEMMShape], threads: Int, repeats: Int) -> Double {
    let operands = Operands(shapes)
    BLAS.libraryThreads = threads
    defer { BLAS.libraryThreads = 1 }
    let flops = shapes.map(\.flops).reduce(0, +) * Double(repeats)
    var best = Double.infinity
    for _ in 0..<5 {
        best = min(best, seconds { for _ in 0..<repeats { for s in shapes { operands.run(s) } } })
    }
    return flops / best / 1e9
}

/// 64-bit FNV-1a of the bytes, in hex: compares stage outputs bit for bit across builds.
func digest(_ data: Data) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    data.withUnsafeBytes { bytes in
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    }
    return String(hash, radix: 16)
}

/// MNIST training images via gzip -dc, or nil.
func loadMNIST(_ directory: String) -> LabeledImages? {
    func gunzip(_ name: String) -> [UInt8]? {
        let path = directory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec gzip -dc \"$0\"", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }
    guard let images = gunzip("train-images-idx3-ubyte.gz"), let labels = gunzip("train-labels-idx1-ubyte.gz") else {
        return nil
    }
    let count = (images.count - 16) / 784
    return LabeledImages(count: count, rows: 28, columns: 28, pixels: Array(images[16...]), labels: Array(labels[8...]))
}

/// Random images of MNIST's shape when the real files are absent (timing does not depend on them).
func syntheticImages(count: Int) -> LabeledImages {
    var state: UInt64 = 1
    let pixels = (0..<count * 784).map { _ -> UInt8 in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
    return LabeledImages(count: count, rows: 28, columns: 28, pixels: pixels,
                         labels: (0..<count).map { UInt8($0 % 10) })
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
do {
    try BLAS.ensureLoaded()
} catch {
    print("error: \(error)")
    exit(1)
}
let workers = BLAS.threads
print("OpenBLAS core: \(BLAS.coreName)   (OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset")); "
      + "elementwise kernels: \(CPUFeatures.vectorKernels) (PIPE_KERNELS)")
print("workers: \(workers) (PIPE_THREADS), models \(options.models), samples \(options.samples), "
      + "batch \(options.batch), hidden \(options.hidden)")

// sgemm peak on the step's own shapes, measured before the epochs and again after them: on a shared
// or virtual machine one measurement can land in a slow moment, and a low peak would flatter every
// ratio. The ratios use the higher of the two.
let sizes = [784, options.hidden, options.hidden, 13]
let shapes = stepShapes(sizes, rows: options.batch)
var peak = Double.nan, peakPerCPU = Double.nan
var stepRate = (wall: Double.nan, cpu: Double.nan), stepRateLibrary = Double.nan
var peaks: [Double] = []

/// One measurement of the step's GEMM rates (GFLOP/s).
struct PeakMeasurement {
    var peak: Double, peakPerCPU: Double, step: (wall: Double, cpu: Double), stepLibrary: Double
}

func measurePeak(_ when: String) -> PeakMeasurement {
    print("\nsgemm on the training step's shapes (\(when)), GFLOP/s: \(workers) workers x 1 thread (per wall s, per CPU s) "
          + "| 1 call x \(workers) threads (per wall s)")
    var best = 0.0, bestPerCPU = 0.0
    for s in shapes {
        let repeats = max(1, Int(4e9 / s.flops))
        let w = workersRate([s], workers: workers, repeats: repeats)
        let l = libraryRate([s], threads: workers, repeats: repeats)
        best = max(best, w.wall, l)
        bestPerCPU = max(bestPerCPU, w.cpu)
        print(String(format: "  %-5@ %5d x %4d x %5d %@%@   %6.1f %6.1f | %6.1f", s.name as NSString, s.m, s.n, s.k,
                     (s.transposeA ? "T" : "N") as NSString, (s.transposeB ? "T" : "N") as NSString, w.wall, w.cpu, l))
    }
    let step = workersRate(shapes, workers: workers, repeats: 16)
    let stepLibrary = libraryRate(shapes, threads: workers, repeats: 16)
    print(String(format: "  whole step (all GEMMs in order):  %6.1f %6.1f | %6.1f", step.wall, step.cpu, stepLibrary))
    print(String(format: "  sgemm peak (best single shape): %6.1f GFLOP per wall s, %6.1f GFLOP per CPU s", best, bestPerCPU))
    return PeakMeasurement(peak: best, peakPerCPU: bestPerCPU, step: step, stepLibrary: stepLibrary)
}

/// Keeps the higher of each rate over the measurements so far.
@MainActor func record(_ m: PeakMeasurement) {
    peaks.append(m.peak)
    peak = peak.isNaN ? m.peak : max(peak, m.peak)
    peakPerCPU = peakPerCPU.isNaN ? m.peakPerCPU : max(peakPerCPU, m.peakPerCPU)
    if stepRate.wall.isNaN || m.step.wall > stepRate.wall { stepRate = m.step }
    stepRateLibrary = stepRateLibrary.isNaN ? m.stepLibrary : max(stepRateLibrary, m.stepLibrary)
}
if !options.skipPeak { record(measurePeak(options.peakOnly ? "peak only" : "before the epochs")) }
if options.peakOnly {
    if options.json {
        let result: [String: Any] = ["core": BLAS.coreName, "workers": workers, "sgemm_peak_gflops": peak,
                                     "sgemm_peak_gflops_per_cpu_s": peakPerCPU, "step_gemm_gflops": stepRate.wall]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print("JSON " + String(decoding: json, as: UTF8.self))
    }
    exit(0)
}

// Full-scale epochs through the stage kinds themselves.
let train = loadMNIST(options.mnist) ?? syntheticImages(count: options.samples)
let samples = min(options.samples, train.count)
print("\ntraining images: \(train.count == 60_000 ? "MNIST" : "synthetic") (\(samples) used)")
func context(_ inputs: [String: Data]) -> StageContext {
    StageContext(inputs: inputs, onLog: { print("  log: \($0)") })
}
func run<K: StageKind>(_ kind: K.Type, _ params: K.Params, _ inputs: [String: Data]) throws -> (Data, (wall: Double, cpu: Double)) {
    let ctx = context(inputs)
    let time = try timed { try K.run(params, ctx) }
    return (ctx.outputs[K.outputs[0]]!, time)
}

do {
    let flopsPerSample = Double(MLPShape(sizes: sizes).trainingFLOPsPerSample)
    let epochFLOPs = flopsPerSample * Double(samples * options.models)
    let (initial, _) = try run(InitMLPs.self, .init(models: options.models, hidden: options.hidden), [:])
    let trainBytes = train.serialized()
    let (teacher, teacherTime) = try run(TrainTeacher.self, .init(epochs: 1, batchSize: options.batch,
                                                                  trainSamples: samples),
                                         ["start": initial, "train": trainBytes])
    let data = DistillationData(distribution: .uniform, samples: samples, seed: 0)
    let (logits, logitsTime) = try run(ComputeTeacherLogits.self, .init(data: data), ["teacher": teacher])
    let (student, distillTime) = try run(Distill.self, .init(data: data, logits: .aux, epochs: 1, batchSize: options.batch),
                                   ["start": initial, "targets": logits])
    let forwardFLOPs = 2 * Double(MLPShape(sizes: sizes).forwardMACs) * Double(samples * options.models)
    if !options.skipPeak {
        record(measurePeak("after the epochs"))
        print(String(format: "\nsgemm peak: %.1f before, %.1f after the epochs; the ratios below use %.1f GFLOP/s",
                     peaks[0], peaks[1], peak))
    }
    print("\nresults (\(BLAS.coreName), \(workers) workers; whole stage runs, parsing and serializing included):")
    print("                       wall s  GFLOP/s  % of peak | CPU s  GFLOP/CPU-s  % of peak per CPU s")
    func line(_ name: String, _ flops: Double, _ t: (wall: Double, cpu: Double)) {
        print(String(format: "  %-19@ %7.2f  %7.1f  %6.1f%%   | %6.2f  %7.1f      %6.1f%%", name as NSString, t.wall,
                     flops / t.wall / 1e9, 100 * flops / t.wall / 1e9 / peak, t.cpu, flops / t.cpu / 1e9,
                     100 * flops / t.cpu / 1e9 / peakPerCPU))
    }
    line("teacher epoch", epochFLOPs, teacherTime)
    line("distillation epoch", epochFLOPs, distillTime)
    line("teacher logits", forwardFLOPs, logitsTime)
    // Any change to the training code must leave these unchanged (for one worker count and kernel).
    print("\noutput digests (FNV-1a 64): teacher \(digest(teacher))  logits \(digest(logits))  student \(digest(student))")
    if options.json {
        // JSON has no NaN: the peak figures are null under --skip-peak.
        func number(_ x: Double) -> Any { x.isNaN ? NSNull() : x }
        let result: [String: Any] = [
            "core": BLAS.coreName, "kernels": CPUFeatures.vectorKernels, "workers": workers, "models": options.models, "samples": samples,
            "batch": options.batch, "sgemm_peak_gflops": number(peak), "sgemm_peak_gflops_per_cpu_s": number(peakPerCPU),
            "sgemm_peaks_gflops": peaks,
            "step_gemm_gflops": number(stepRate.wall), "step_gemm_gflops_per_cpu_s": number(stepRate.cpu),
            "step_gemm_gflops_library_threads": number(stepRateLibrary),
            "teacher_epoch_s": teacherTime.wall, "teacher_epoch_cpu_s": teacherTime.cpu,
            "distill_epoch_s": distillTime.wall, "distill_epoch_cpu_s": distillTime.cpu,
            "teacher_logits_s": logitsTime.wall, "teacher_logits_cpu_s": logitsTime.cpu,
            "epoch_gflop": epochFLOPs / 1e9,
            "teacher_digest": digest(teacher), "logits_digest": digest(logits), "student_digest": digest(student),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print("JSON " + String(decoding: json, as: UTF8.self))
    }
} catch {
    print("error: \(error)")
    exit(1)
}
