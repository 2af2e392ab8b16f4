import Foundation
import Pipeline
@testable import Stages

// Shared helpers of the Stages tests: deterministic test data, running a kind without a store,
// and reading the real MNIST files when they are beside the repository.

/// Deterministic pseudo-random values for test inputs (not pipe's RNG under test elsewhere).
func testValues(_ count: Int, seed: Int, scale: Float = 1) -> [Float] {
    let stream = RandomStream(seed: UInt64(seed), .test)
    return (0..<count).map { stream.symmetric($0) * scale }
}

/// Runs one stage body with these inputs; returns what it wrote.
@discardableResult
func runStage<K: StageKind>(_ kind: K.Type, _ params: K.Params, _ inputs: [String: Data],
                            logs: LogBox? = nil) throws -> [String: Data] {
    let context = StageContext(inputs: inputs, onLog: { line in logs?.append(line) })
    try K.run(params, context)
    return context.outputs
}

/// Collects a stage's log lines.
final class LogBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}

/// A learnable synthetic image set: class c's image is its fixed prototype plus noise.
func syntheticImages(count: Int, side: Int, seed: Int) -> LabeledImages {
    let n = side * side
    let prototypes = RandomStream(seed: UInt64(seed), .test, 1)
    let noise = RandomStream(seed: UInt64(seed), .test, 2)
    var pixels = [UInt8](repeating: 0, count: count * n)
    var labels = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        let label = i % 10
        labels[i] = UInt8(label)
        for p in 0..<n {
            let base = prototypes.uniform(label * n + p) * 200
            let jitter = noise.uniform(i * n + p) * 55
            pixels[i * n + p] = UInt8(base + jitter)
        }
    }
    return LabeledImages(count: count, rows: side, columns: side, pixels: pixels, labels: labels)
}

/// The study's MNIST files, looked up beside the repository (../shared/data/mnist).
enum MNISTFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/mnist")

    static var available: Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("train-images-idx3-ubyte.gz").path)
    }

    /// The first `limit` images of a split ("train" or "t10k"), read with gzip -dc.
    static func load(_ split: String, limit: Int) throws -> LabeledImages {
        let images = try gunzip(directory.appendingPathComponent("\(split)-images-idx3-ubyte.gz"))
        let labels = try gunzip(directory.appendingPathComponent("\(split)-labels-idx1-ubyte.gz"))
        func word(_ bytes: [UInt8], _ i: Int) -> Int {
            Int(bytes[4 * i]) << 24 | Int(bytes[4 * i + 1]) << 16 | Int(bytes[4 * i + 2]) << 8 | Int(bytes[4 * i + 3])
        }
        let count = min(limit, word(images, 1)), rows = word(images, 2), columns = word(images, 3)
        return LabeledImages(count: count, rows: rows, columns: columns,
                             pixels: Array(images[16..<(16 + count * rows * columns)]),
                             labels: Array(labels[8..<(8 + count)]))
    }

    private static func gunzip(_ file: URL) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec gzip -dc \"$0\"", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }
}
