/// Parses IDX files (the MNIST format: big-endian magic and dimensions, then unsigned bytes).
public enum IDXFile {
    /// Magic of an unsigned-byte IDX file with 3 dimensions (images: count, rows, columns).
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic of an unsigned-byte IDX file with 1 dimension (labels: count).
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Images of an IDX3 file, row-major, image after image.
    public struct Images: Sendable, Equatable {
        public var count: Int, rows: Int, columns: Int
        public var pixels: [UInt8]
    }

    /// Returns gunzipped `bytes` when they are gzip, else `bytes`; `file` names errors.
    public static func decompressed(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        guard Inflate.isGzip(bytes) else { return bytes }
        do { return try Inflate.gunzip(bytes) } catch {
            throw MNISTError.decompression(file: file, reason: error.description)
        }
    }

    /// Parses an (uncompressed) IDX3 image file.
    public static func images(_ bytes: [UInt8], file: String) throws -> Images {
        let dims = try header(bytes, magic: imagesMagic, dimensions: 3, file: file)
        guard dims[1] > 0, dims[2] > 0 else {
            throw MNISTError.malformedIDX(file: file, reason: "images of \(dims[1])x\(dims[2]) pixels")
        }
        let start = 4 + 4 * 3
        return Images(count: dims[0], rows: dims[1], columns: dims[2], pixels: Array(bytes[start...]))
    }

    /// Parses an (uncompressed) IDX1 label file; every label must be a digit 0...9.
    public static func labels(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        _ = try header(bytes, magic: labelsMagic, dimensions: 1, file: file)
        let labels = Array(bytes[8...])
        if let bad = labels.firstIndex(where: { $0 > 9 }) {
            throw MNISTError.malformedIDX(file: file, reason: "label \(labels[bad]) at index \(bad) is not a digit 0...9")
        }
        return labels
    }

    /// Pairs images with labels, checking that the counts agree.
    public static func labeledImages(images: Images, imagesFile: String,
                                     labels: [UInt8], labelsFile: String) throws -> LabeledImages {
        guard images.count == labels.count else {
            throw MNISTError.countMismatch(images: imagesFile, imageCount: images.count,
                                           labels: labelsFile, labelCount: labels.count)
        }
        return LabeledImages(count: images.count, rows: images.rows, columns: images.columns,
                             pixels: images.pixels, labels: labels)
    }

    /// Checks magic and that the payload is exactly the product of the dimensions; returns them.
    private static func header(_ bytes: [UInt8], magic: UInt32, dimensions: Int, file: String) throws -> [Int] {
        func word(_ offset: Int) -> UInt32 {
            UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
        }
        guard bytes.count >= 4 else {
            throw MNISTError.malformedIDX(file: file, reason: "only \(bytes.count) bytes, too short for a header")
        }
        let found = word(0)
        guard found == magic else {
            let hex = { (v: UInt32) in "0x" + String(repeating: "0", count: 8 - String(v, radix: 16).count) + String(v, radix: 16) }
            throw MNISTError.malformedIDX(file: file, reason: "magic \(hex(found)), expected \(hex(magic))")
        }
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= headerSize else {
            throw MNISTError.malformedIDX(file: file, reason: "truncated header: \(bytes.count) bytes, need \(headerSize)")
        }
        let dims = (0..<dimensions).map { Int(word(4 + 4 * $0)) }
        // Dimensions are 32-bit each, so their product can overflow Int: treat that as too large.
        let payload = dims.reduce(1) { product, dim in
            let (value, overflow) = product.multipliedReportingOverflow(by: dim)
            return overflow ? Int.max : value
        }
        let shape = dims.map(String.init).joined(separator: "x")
        guard bytes.count - headerSize >= payload else {
            throw MNISTError.malformedIDX(file: file, reason: "truncated: dimensions \(shape) need \(payload) data bytes, file has \(bytes.count - headerSize)")
        }
        guard bytes.count - headerSize == payload else {
            throw MNISTError.malformedIDX(file: file, reason: "wrong dimensions: \(shape) need \(payload) data bytes, file has \(bytes.count - headerSize)")
        }
        return dims
    }
}
