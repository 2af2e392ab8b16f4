import Foundation
import Pipeline

/// `load-mnist`: the MNIST digits, verified by SHA-256, as "train" and "test" LabeledImages.
public struct LoadMNISTStage: StageKind {
    public struct Params: DefaultedCodable, Sendable, Hashable {
        public static var defaults: Self { .init() }
        /// SHA-256 of each decompressed file; defaults to the canonical MNIST hashes.
        public var sha256: MNISTHashes
        /// Keep only the first K training images (nil = all 60000).
        public var trainSamples: Int?
        /// Keep only the first K test images (nil = all 10000).
        public var testSamples: Int?

        public init(sha256: MNISTHashes = .canonical, trainSamples: Int? = nil, testSamples: Int? = nil) {
            self.sha256 = sha256; self.trainSamples = trainSamples; self.testSamples = testSamples
        }
    }

    public static let name = "load-mnist"
    public static let summary = "MNIST digits, checked by SHA-256, as train and test image sets"
    // Where the files come from (locator, downloader) and how they are decompressed (zlib) cannot
    // change the bytes, which are verified by SHA-256 once decompressed: not listed.
    public static let code = sourceFingerprint(
        "MNIST/MNISTStage.swift", "MNIST/IDXFile.swift", "MNIST/MNISTFiles.swift", "MNIST/LabeledImages.swift")
    public static let outputs = ["train", "test"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        try run(params, context, locator: MNISTLocator())
    }

    /// The body, with the locator injectable for tests.
    static func run(_ params: Params, _ context: StageContext, locator: MNISTLocator) throws {
        var done = 0.0
        func load(_ file: MNISTFile) throws -> [UInt8] {
            if context.isCancelled { throw CancellationError() }
            let bytes = try locator.contents(of: file, sha256: params.sha256[file], log: context.log)
            done += 1
            context.progress(done, of: 4, "file", detail: file.rawValue)
            return bytes
        }
        let train = try split(images: load(.trainImages), imagesFile: .trainImages,
                              labels: load(.trainLabels), labelsFile: .trainLabels,
                              keep: params.trainSamples, parameter: "trainSamples")
        let test = try split(images: load(.testImages), imagesFile: .testImages,
                             labels: load(.testLabels), labelsFile: .testLabels,
                             keep: params.testSamples, parameter: "testSamples")
        context.log("train: \(train.count) images of \(train.rows)x\(train.columns); test: \(test.count)")
        context.write("train", train.serialized())
        context.write("test", test.serialized())
    }

    /// Parses one image/label pair of files and keeps the first `keep` items.
    static func split(images: [UInt8], imagesFile: MNISTFile, labels: [UInt8], labelsFile: MNISTFile,
                      keep: Int?, parameter: String) throws -> LabeledImages {
        let parsed = try IDXFile.labeledImages(
            images: IDXFile.images(images, file: imagesFile.rawValue), imagesFile: imagesFile.rawValue,
            labels: IDXFile.labels(labels, file: labelsFile.rawValue), labelsFile: labelsFile.rawValue)
        guard let keep else { return parsed }
        guard keep >= 1, keep <= parsed.count else {
            throw MNISTError.badSampleCount(parameter: parameter, value: keep, available: parsed.count)
        }
        return LabeledImages(count: keep, rows: parsed.rows, columns: parsed.columns,
                             pixels: Array(parsed.pixels[..<(keep * parsed.pixelsPerImage)]),
                             labels: Array(parsed.labels[..<keep]))
    }
}
