import Foundation
import Pipeline

/// A set of grayscale images with digit labels, as the MNIST stage stores it.
///
/// Serialized form (little-endian): "PIMG" magic, UInt32 version (1), UInt32 count, UInt32 rows,
/// UInt32 columns, then count*rows*columns pixel bytes (row-major), then count label bytes.
public struct LabeledImages: Sendable, Equatable {
    public var count: Int
    public var rows: Int
    public var columns: Int
    /// count * rows * columns bytes, 0...255, image after image, row-major.
    public var pixels: [UInt8]
    /// count labels, 0...9.
    public var labels: [UInt8]

    public init(count: Int, rows: Int, columns: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(pixels.count == count * rows * columns && labels.count == count)
        self.count = count; self.rows = rows; self.columns = columns
        self.pixels = pixels; self.labels = labels
    }

    public var pixelsPerImage: Int { rows * columns }

    public func serialized() -> Data {
        var data = Data("PIMG".utf8)
        for value in [1, count, rows, columns] {
            withUnsafeBytes(of: UInt32(value).littleEndian) { data.append(contentsOf: $0) }
        }
        data.append(contentsOf: pixels)
        data.append(contentsOf: labels)
        return data
    }

    public init(serialized data: Data, name: String = "images") throws {
        // Read in place: a copy of the whole artifact first (47 MB for MNIST's training set) cost a
        // teacher stage one more pass over fresh pages.
        let parsed: LabeledImages = try data.withUnsafeBytes { raw in
            func word(_ i: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 + 4 * i, as: UInt32.self))) }
            guard raw.count >= 20, raw.prefix(4).elementsEqual("PIMG".utf8) else {
                throw StageError.badInput(name: name, reason: "not a LabeledImages artifact (bad magic)")
            }
            guard word(0) == 1 else {
                throw StageError.badInput(name: name, reason: "LabeledImages version \(word(0)), expected 1")
            }
            let (count, rows, columns) = (word(1), word(2), word(3))
            // Each word is below 2^32, so the product of three could overflow: check it does not.
            let (perImage, o1) = rows.multipliedReportingOverflow(by: columns)
            let (pixelCount, o2) = count.multipliedReportingOverflow(by: perImage)
            guard !o1, !o2, count <= raw.count - 20, pixelCount == raw.count - 20 - count else {
                throw StageError.badInput(name: name, reason: "LabeledImages of \(raw.count) bytes cannot hold "
                    + "\(count) images of \(rows)x\(columns) pixels and their labels")
            }
            return LabeledImages(count: count, rows: rows, columns: columns,
                                 pixels: Array(raw[20..<(20 + pixelCount)]),
                                 labels: Array(raw[(20 + pixelCount)...]))
        }
        self = parsed
    }
}
