import Foundation
import Testing
@testable import Stages

/// IDX parsing of small generated files, and the errors for bad ones.
@Suite struct MNISTIDXTests {
    static let pixels: [UInt8] = (0..<(3 * 2 * 4)).map { UInt8($0 * 10) }
    static let images = TestSupport.idx(magic: IDXFile.imagesMagic, dimensions: [3, 2, 4], payload: pixels)
    static let labels = TestSupport.idx(magic: IDXFile.labelsMagic, dimensions: [3], payload: [7, 0, 9])

    /// The error's description, or "" if `body` does not throw.
    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    @Test func parsesValidFiles() throws {
        let parsed = try IDXFile.images(Self.images, file: "i")
        #expect(parsed == IDXFile.Images(count: 3, rows: 2, columns: 4, pixels: Self.pixels))
        #expect(try IDXFile.labels(Self.labels, file: "l") == [7, 0, 9])
        let set = try IDXFile.labeledImages(images: parsed, imagesFile: "i", labels: [7, 0, 9], labelsFile: "l")
        #expect(set.count == 3 && set.rows == 2 && set.columns == 4 && set.pixels == Self.pixels)
        // The serialized form round-trips.
        #expect(try LabeledImages(serialized: set.serialized()) == set)
    }

    @Test func parsesGzippedFiles() throws {
        guard let gz = try TestSupport.gzip(Self.images) else { print("skipping: no gzip on PATH"); return }
        #expect(try IDXFile.decompressed(gz, file: "x.gz") == Self.images)
        #expect(try IDXFile.decompressed(Self.images, file: "x") == Self.images)
        let damaged = Array(gz.prefix(gz.count - 12))
        #expect(Self.message { _ = try IDXFile.decompressed(damaged, file: "data/x.gz") }.contains("data/x.gz does not decompress"))
    }

    @Test func badMagicNamesTheFile() {
        let swapped = TestSupport.idx(magic: IDXFile.labelsMagic, dimensions: [3, 2, 4], payload: Self.pixels)
        let text = Self.message { _ = try IDXFile.images(swapped, file: "/data/train-images-idx3-ubyte") }
        #expect(text.contains("/data/train-images-idx3-ubyte"))
        #expect(text.contains("magic 0x00000801, expected 0x00000803"))
        #expect(Self.message { _ = try IDXFile.labels(Self.images, file: "l") }.contains("expected 0x00000801"))
        #expect(Self.message { _ = try IDXFile.labels([0, 0], file: "l") }.contains("too short"))
    }

    @Test func truncatedAndWrongDimensions() {
        let truncated = Array(Self.images.dropLast(5))
        #expect(Self.message { _ = try IDXFile.images(truncated, file: "t") }
            .contains("truncated: dimensions 3x2x4 need 24 data bytes, file has 19"))
        #expect(Self.message { _ = try IDXFile.images(Array(Self.images.prefix(10)), file: "t") }.contains("truncated header"))
        #expect(Self.message { _ = try IDXFile.images(Self.images + [1, 2], file: "t") }.contains("wrong dimensions"))
        let huge = TestSupport.idx(magic: IDXFile.imagesMagic, dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], payload: [])
        #expect(Self.message { _ = try IDXFile.images(huge, file: "t") }.contains("truncated"))
    }

    @Test func countMismatchAndBadLabels() throws {
        let parsed = try IDXFile.images(Self.images, file: "i")
        let text = Self.message {
            _ = try IDXFile.labeledImages(images: parsed, imagesFile: "imgs", labels: [1, 2], labelsFile: "lbls")
        }
        #expect(text.contains("imgs has 3 images but lbls has 2 labels"))
        let badLabel = TestSupport.idx(magic: IDXFile.labelsMagic, dimensions: [2], payload: [3, 12])
        #expect(Self.message { _ = try IDXFile.labels(badLabel, file: "l") }.contains("label 12 at index 1"))
    }

    @Test func hashMismatchIsClear() {
        let text = Self.message { _ = try MNISTLocator.verified(Self.images, file: "/x/t10k-images-idx3-ubyte", sha256: String(repeating: "ab", count: 32)) }
        #expect(text.contains("/x/t10k-images-idx3-ubyte has SHA-256"))
        #expect(text.contains("expected abab"))
        #expect(text.contains("delete it so pipe downloads it again"))
    }
}
