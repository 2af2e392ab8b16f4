/// Why MNIST could not be loaded: what failed, where, and how to fix it.
public enum MNISTError: Error, CustomStringConvertible, Sendable {
    /// The bytes are not an IDX file of the expected shape.
    case malformedIDX(file: String, reason: String)
    /// An image file and its label file disagree on the number of items.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// The file is gzip but does not decompress.
    case decompression(file: String, reason: String)
    /// The decompressed bytes are not the expected ones.
    case hashMismatch(file: String, expected: String, actual: String)
    /// The file could not be read from disk.
    case unreadable(file: String, reason: String)
    /// No usable copy of `file` anywhere pipe looked.
    case notFound(file: String, searched: [String], downloadFailures: [String], cacheDirectory: String)
    /// A sample count parameter is out of range.
    case badSampleCount(parameter: String, value: Int, available: Int)

    public var description: String {
        switch self {
        case let .malformedIDX(file, reason):
            return "MNIST file \(file) is not a valid IDX file: \(reason). Replace it with the original file (or delete it so pipe downloads it again)."
        case let .countMismatch(images, imageCount, labels, labelCount):
            return "MNIST files disagree: \(images) has \(imageCount) images but \(labels) has \(labelCount) labels. Replace them with the original files."
        case let .decompression(file, reason):
            return "MNIST file \(file) does not decompress: \(reason). Replace it with the original file (or delete it so pipe downloads it again)."
        case let .hashMismatch(file, expected, actual):
            return "MNIST file \(file) has SHA-256 \(actual) (of its decompressed bytes), expected \(expected): it is corrupt or a different data set. Replace it with the original file (or delete it so pipe downloads it again)."
        case let .unreadable(file, reason):
            return "cannot read MNIST file \(file): \(reason)"
        case let .notFound(file, searched, failures, cacheDirectory):
            var text = "MNIST file \(file) not found. Looked in: " + searched.joined(separator: "; ") + "."
            if !failures.isEmpty { text += " Downloads failed: " + failures.joined(separator: "; ") + "." }
            text += " Fix: set PIPE_MNIST_DIR=/path/to/mnist, a directory holding the four files"
            text += " (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each raw or .gz),"
            text += " or connect to the internet so pipe can download them into \(cacheDirectory)."
            return text
        case let .badSampleCount(parameter, value, available):
            return "load-mnist: \(parameter) = \(value) is out of range: it must be between 1 and \(available) (or nil for all)."
        }
    }
}
