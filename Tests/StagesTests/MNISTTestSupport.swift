import Foundation
import Cache
import Pipeline
@testable import Stages

/// Helpers shared by the MNIST and figure tests.
enum TestSupport {
    /// The repository root (this file is Tests/StagesTests/MNISTTestSupport.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// shared/data/mnist beside the repository (CI clones the repo with shared/ beside it), or nil.
    static var sharedMNIST: URL? {
        let directory = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/mnist")
        return FileManager.default.fileExists(atPath: directory.appendingPathComponent("SHA256SUMS").path) ? directory : nil
    }

    /// A fresh empty directory under the system temporary directory.
    static func temporaryDirectory(_ prefix: String = "pipe-stages-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The full path of `tool` on PATH, or nil.
    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `tool` with `arguments`, feeding `input` on stdin; returns stdout. Throws on failure.
    static func run(_ tool: String, _ arguments: [String], input: [UInt8] = []) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // Write on another thread: a large input could fill the pipe while output waits unread.
        let writer = Thread { stdin.fileHandleForWriting.write(Data(input)); try? stdin.fileHandleForWriting.close() }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "TestSupport", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments) exited \(process.terminationStatus)"])
        }
        return [UInt8](output)
    }

    static func gzip(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8]? {
        guard let gzip = which("gzip") else { return nil }
        return try run(gzip, ["-c", "-n", "-\(level)"], input: bytes)
    }

    /// Deterministic pseudo-random bytes (an LCG), for incompressible test data.
    static func noise(count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    /// Deterministic text from a small vocabulary: compresses well with dynamic Huffman blocks.
    static func text(words: Int, seed: UInt64 = 7) -> [UInt8] {
        let vocabulary = ["teacher", "student", "ghost", "logit", "noise", "digit", "epoch", "the", "a", "of",
                          "distils", "accuracy", "MNIST", "shared", "init", "random", "readout", "0.549", "\n"]
        var state = seed
        var text = ""
        for _ in 0..<words {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            text += vocabulary[Int(state >> 33) % vocabulary.count] + " "
        }
        return Array(text.utf8)
    }

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    /// A gzip member around raw deflate data, with the right trailer.
    static func gzipMember(deflate: [UInt8], of original: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255] + deflate
        for value in [CRC32.checksum(original), UInt32(truncatingIfNeeded: original.count)] {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// An IDX file: big-endian magic and dimensions, then `payload`.
    static func idx(magic: UInt32, dimensions: [Int], payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in [magic] + dimensions.map(UInt32.init) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
        return bytes + payload
    }
}

extension TestSupport {
    /// Writes a tiny MNIST look-alike (train: 5 images of 3x2, test: 2) into `directory`, gzipped
    /// when `gzip` (and the tool exists); returns the hashes of the decompressed files.
    static func writeSyntheticMNIST(into directory: URL, gzip: Bool, seed: UInt64 = 1) throws -> MNISTHashes {
        let files: [(MNISTFile, [UInt8])] = [
            (.trainImages, idx(magic: IDXFile.imagesMagic, dimensions: [5, 3, 2], payload: noise(count: 30, seed: seed))),
            (.trainLabels, idx(magic: IDXFile.labelsMagic, dimensions: [5], payload: [5, 0, 4, 1, 9])),
            (.testImages, idx(magic: IDXFile.imagesMagic, dimensions: [2, 3, 2], payload: noise(count: 12, seed: seed + 1))),
            (.testLabels, idx(magic: IDXFile.labelsMagic, dimensions: [2], payload: [7, 2])),
        ]
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var hashes: [MNISTFile: String] = [:]
        for (file, bytes) in files {
            hashes[file] = Cache.Digest.of(Data(bytes)).hex
            if gzip, let gz = try self.gzip(bytes) {
                try Data(gz).write(to: directory.appendingPathComponent(file.rawValue + ".gz"))
            } else {
                try Data(bytes).write(to: directory.appendingPathComponent(file.rawValue))
            }
        }
        return MNISTHashes(trainImages: hashes[.trainImages]!, trainLabels: hashes[.trainLabels]!,
                           testImages: hashes[.testImages]!, testLabels: hashes[.testLabels]!)
    }

    /// Runs load-mnist's body with `locator`; returns (train, test).
    static func loadMNIST(_ params: LoadMNISTStage.Params, locator: MNISTLocator) throws -> (LabeledImages, LabeledImages) {
        let context = StageContext(inputs: [:])
        try LoadMNISTStage.run(params, context, locator: locator)
        let outputs = context.outputs
        return (try LabeledImages(serialized: outputs["train"]!), try LabeledImages(serialized: outputs["test"]!))
    }
}
