// StoreBenchmark: throughput and compression of the artifact store, and the cost of the
// no-op build's store work (open + 200 key lookups). Prints figures; never run by tests.
//
//     scripts/swiftpm build -c release --product StoreBenchmark && .build/release/StoreBenchmark [megabytes, default 256 | "lookups [rounds]" for the no-op part only]
import Cache
import Foundation

// ---- data -------------------------------------------------------------------------------

/// SplitMix64: small, seeded, and the same on every machine.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in (0, 1].
    mutating func unit() -> Float { Float((next() >> 40) + 1) / Float(1 << 24) }
}

/// Weights shaped like a trained layer's: float32 from N(0, 0.05²), by Box-Muller.
func normalWeights(count: Int, std: Float, seed: UInt64) -> Data {
    var rng = SplitMix64(state: seed)
    var floats = [Float](repeating: 0, count: count)
    var index = 0
    while index < count {
        let radius = (-2 * Foundation.log(rng.unit())).squareRoot() * std
        let angle = 2 * Float.pi * rng.unit()
        floats[index] = radius * Foundation.cos(angle)
        if index + 1 < count { floats[index + 1] = radius * Foundation.sin(angle) }
        index += 2
    }
    return floats.withUnsafeBytes { Data($0) }
}

func randomBytes(count: Int, seed: UInt64) -> Data {
    var rng = SplitMix64(state: seed)
    var words = [UInt64](repeating: 0, count: (count + 7) / 8)
    for index in words.indices { words[index] = rng.next() }
    return words.withUnsafeBytes { Data($0.prefix(count)) }
}

// ---- helpers ----------------------------------------------------------------------------

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func freshDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("store-bench-\(name)-\(getpid())")
    try? FileManager.default.removeItem(at: url)
    return url
}

func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }

// ---- throughput -------------------------------------------------------------------------

let argument = CommandLine.arguments.dropFirst().first
let lookupsOnly = argument == "lookups"
let megabytes = argument.flatMap(Int.init) ?? 256
let size = megabytes << 20
let repeats = 3
if !lookupsOnly {
print("pipe StoreBenchmark: \(megabytes) MB artifacts, \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("data: 'weights' = \(size / 4) float32 ~ N(0, 0.05^2) (SplitMix64 seed 42, Box-Muller); 'random' = SplitMix64 seed 7 bytes")
let datasets = [("weights", normalWeights(count: size / 4, std: 0.05, seed: 42)),
                ("random", randomBytes(count: size, seed: 7))]

print("best of \(repeats) runs each (the machine is shared); put includes fsync of file and directory")
print("")
print("\(pad("data", 8)) \(pad("level", 6)) \(pad("threads", 8)) \(pad("ratio", 7)) \(pad("put MB/s", 9)) \(pad("get MB/s", 9)) \(pad("put file", 9)) restore")
let configurations = [(1, 0), (3, 0), (3, 2), (9, 0)]   // (3, 0) is the default
for (name, data) in datasets {
    let file = freshDirectory("source").appendingPathExtension("bin")
    try data.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    for (level, threads) in configurations {
        var best = (put: Double.infinity, get: Double.infinity, putFile: Double.infinity, restore: Double.infinity)
        var ratio = 0.0
        for _ in 0..<repeats {
            // A fresh store each time: a put of bytes already stored would write nothing.
            let root = freshDirectory("\(name)-\(level)-\(threads)")
            defer { try? FileManager.default.removeItem(at: root) }
            let store = try ArtifactStore(root: root, compressionLevel: level, compressionThreads: threads)
            var digest: Digest!
            best.put = min(best.put, try seconds { digest = try store.put(data) })
            var restored = Data()
            best.get = min(best.get, try seconds { restored = try store.get(digest) })
            precondition(restored == data)
            restored = Data()
            ratio = Double(data.count) / Double(store.blobSize(digest)!.stored)

            // The streaming paths: a file in, a file out (how the engine stores outputs).
            let other = try ArtifactStore(root: root.appendingPathComponent("second"), compressionLevel: level,
                                          compressionThreads: threads)
            best.putFile = min(best.putFile, try seconds { _ = try other.put(fileAt: file) })
            let restoredFile = root.appendingPathComponent("restored.bin")
            best.restore = min(best.restore, try seconds { try other.get(digest, to: restoredFile) })
        }
        let mb = Double(data.count) / 1_048_576
        func rate(_ time: Double) -> String { pad(String(format: "%.0f", mb / time), 9) }
        print("\(pad(name, 8)) \(pad("\(level)", 6)) \(pad("\(threads)", 8)) \(pad(String(format: "%.3f", ratio), 7)) "
              + "\(rate(best.put)) \(rate(best.get)) \(rate(best.putFile)) \(rate(best.restore))")
    }
}
}

// ---- the no-op build's store work -------------------------------------------------------

let root = freshDirectory("lookups")
defer { try? FileManager.default.removeItem(at: root) }
var keys: [Digest] = []
do {
    let store = try ArtifactStore(root: root)
    for stage in 0..<200 {
        let model = try store.put(randomBytes(count: 1000, seed: UInt64(stage)))
        let log = try store.put(Data("log of stage \(stage)\n".utf8))
        let key = Digest.of(Data("key \(stage)".utf8))
        keys.append(key)
        let now = Date()
        try store.record(ActionRecord(
            key: key, stage: "stage\(stage)", kind: "train", params: #"{"epochs":5,"lr":0.001}"#,
            inputs: ["data": Digest.of(Data("in \(stage)".utf8)), "teacher": Digest.of(Data("t \(stage)".utf8))],
            codeDigest: String(repeating: "c", count: 64),
            codeFiles: ["Sources/Stages/MLP/Train.swift": String(repeating: "d", count: 64),
                        "Sources/Stages/MLP/Model.swift": String(repeating: "e", count: 64)],
            outputs: ["model": model, "metrics": log], started: now, finished: now,
            host: "bench", pipeVersion: "0.0.0", log: log))
        try store.setHead(stage: "stage\(stage)", key: key)
    }
}

var opens: [Double] = [], singles: [Double] = [], batches: [Double] = [], headsTimes: [Double] = [], alls: [Double] = [], singleHeads: [Double] = []
let rounds = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) ?? 20
for _ in 0..<rounds {
    var store: ArtifactStore!
    opens.append(try seconds { store = try ArtifactStore(root: root) })
    var found = 0
    singles.append(try seconds { for key in keys where try store.action(for: key) != nil { found += 1 } })
    batches.append(try seconds { found += try store.actions(for: keys).count })
    headsTimes.append(try seconds { found += try store.heads().count })
    alls.append(try seconds { _ = try store.allActions() })
    singleHeads.append(try seconds { for stage in 0..<200 { _ = try store.head(ofStage: "stage\(stage)") } })
    precondition(found == 600)
}
func ms(_ values: [Double]) -> String {
    let sorted = values.sorted()
    return String(format: "first %.2f ms, min %.2f, median %.2f, max %.2f", values[0] * 1000, sorted[0] * 1000,
                  sorted[sorted.count / 2] * 1000, sorted[sorted.count - 1] * 1000)
}
print("")
print("no-op build store work (200 actions, 2 outputs + log each; \(rounds) rounds, each a fresh open):")
print("  open store:                 \(ms(opens))")
print("  200 x action(for:):         \(ms(singles))")
print("  actions(for: 200 keys):     \(ms(batches))")
print("  heads() of 200 stages:      \(ms(headsTimes))")
print("  allActions() (no stat):     \(ms(alls))")
print("  200 x head(ofStage:):       \(ms(singleHeads))")
let total = zip(zip(opens, singles), headsTimes).map { $0.0 + $0.1 + $1 }
print("  open + 200 lookups + heads: \(ms(total))")
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
print("peak RSS: \(usage.ru_maxrss / 1024) MB")
