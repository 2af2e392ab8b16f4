/// One of the four files of the MNIST distribution, named as the canonical mirrors name them.
public enum MNISTFile: String, CaseIterable, Sendable {
    case trainImages = "train-images-idx3-ubyte"
    case trainLabels = "train-labels-idx1-ubyte"
    case testImages = "t10k-images-idx3-ubyte"
    case testLabels = "t10k-labels-idx1-ubyte"
}

/// The SHA-256 (lowercase hex) each MNIST file must have once decompressed.
public struct MNISTHashes: Codable, Sendable, Hashable {
    public var trainImages: String
    public var trainLabels: String
    public var testImages: String
    public var testLabels: String

    public init(trainImages: String, trainLabels: String, testImages: String, testLabels: String) {
        self.trainImages = trainImages; self.trainLabels = trainLabels
        self.testImages = testImages; self.testLabels = testLabels
    }

    /// The hashes of the original files (as listed in the data's SHA256SUMS).
    public static let canonical = MNISTHashes(
        trainImages: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        trainLabels: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        testImages: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        testLabels: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")

    public subscript(file: MNISTFile) -> String {
        switch file {
        case .trainImages: return trainImages
        case .trainLabels: return trainLabels
        case .testImages: return testImages
        case .testLabels: return testLabels
        }
    }
}
