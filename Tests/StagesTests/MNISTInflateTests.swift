import Foundation
import Testing
@testable import Stages

/// Inflate's use of zlib: several gzip members, output past a wrong size hint, and the typed
/// errors of damaged or truncated input. (zlib's decoding itself is zlib's to test.)
@Suite struct MNISTInflateTests {
    static let dynamicData = Array("Subliminal learning: a student distils ghost logits from a teacher that shares its initialization; digit accuracy rises with distillation epochs, peaks with little teacher training, and noise inputs beat real images. Cross-model controls stay near chance, which shows the shared start matters most.".utf8)
    static let dynamicVector = "458fd14dc4400c445b9902c215009f944005be8dc95aecda91ed283aaac78193f8f6f3ccbc8fe33e648ad2c0607215dd5e41883c56d6c42a9132025bb7480cdb24039f6eb398646a9d1dd929119d9c03d759545268c837a598be55467d815a3b9cda032e51e029d99fe9e39703efd67a2cd899be9ef7219983ff8b9ce41ab88074855a0555d97e54e79d6b837359c8a48de38677b78897692b0f34d3742b8d487a40cb13ad93365e707669bdd6db1925c27f1eeb057a6252267b6096fced07"

    @Test func gunzipsWhatTheGzipToolWrites() throws {
        let data = TestSupport.text(words: 60_000)
        guard let gz = try TestSupport.gzip(data, level: 9) else {
            print("skipping gzip-tool comparison: no gzip on PATH"); return
        }
        #expect(try Inflate.gunzip(gz) == data)
        // The same stream without its gzip wrapper, with size hints too small, right and absent.
        let deflate = gz[10..<(gz.count - 8)]
        for hint in [0, 1000, data.count] { #expect(try Inflate.inflate(deflate, sizeHint: hint) == data, "hint \(hint)") }
    }

    @Test func rawVectorAndEmptyStream() throws {
        #expect(try Self.inflate(TestSupport.hex(Self.dynamicVector)) == Self.dynamicData)
        // zlib's raw deflate of "": one final fixed block holding only end-of-block.
        #expect(try Self.inflate([0x03, 0x00]) == [])
    }

    @Test func concatenatedMembersHeaderFieldsAndPadding() throws {
        let a = Array("first member\n".utf8), b = Array("second member\n".utf8)
        var one = TestSupport.gzipMember(deflate: try #require(Self.rawDeflateStored(a)), of: a)
        // FNAME and FCOMMENT fields before the data.
        one[3] = 0x08 | 0x10
        one.insert(contentsOf: Array("name.txt\0a comment\0".utf8), at: 10)
        let two = TestSupport.gzipMember(deflate: try #require(Self.rawDeflateStored(b)), of: b)
        // Some writers pad the file with zeros after the last member.
        #expect(try Inflate.gunzip(one + two + [0, 0, 0, 0]) == a + b)
        // A large first member and a small last one: the last trailer's size is no hint for the whole.
        let large = TestSupport.noise(count: 300_000)
        if let gz = try TestSupport.gzip(large, level: 1) { #expect(try Inflate.gunzip(gz + two) == large + b) }
    }

    @Test func rejectsDamagedStreams() throws {
        let good = TestSupport.gzipMember(deflate: TestSupport.hex(Self.dynamicVector), of: Self.dynamicData)
        #expect(throws: InflateError.notGzip) { try Inflate.gunzip([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: InflateError.notGzip) { try Inflate.gunzip([]) }
        #expect(throws: InflateError.truncated) { try Inflate.gunzip(Array(good.prefix(good.count - 30))) }
        #expect(throws: InflateError.truncated) { try Inflate.gunzip(Array(good.prefix(good.count - 3))) }
        #expect(throws: InflateError.truncated) { try Inflate.gunzip(Array(good.prefix(12))) }
        var badCRC = good
        badCRC[badCRC.count - 8] ^= 0xff
        #expect(throws: InflateError.checksumMismatch) { try Inflate.gunzip(badCRC) }
        #expect(InflateError.checksumMismatch.description.contains("CRC-32 mismatch"))
        var badSize = good
        badSize[badSize.count - 1] ^= 0x01
        #expect(throws: InflateError.sizeMismatch) { try Inflate.gunzip(badSize) }
        // Bytes after a member that are not another member.
        #expect(throws: InflateError.corrupt("incorrect header check")) { try Inflate.gunzip(good + Array("not gzip at all".utf8)) }
        #expect(throws: InflateError.corrupt("invalid block type")) { try Self.inflate([0x07, 0x00]) }
        #expect(throws: InflateError.corrupt("invalid stored block lengths")) { try Self.inflate([0x01, 0x05, 0x00, 0x00, 0x00]) }
        // A fixed block whose first symbol is a match at distance 1 with nothing written yet.
        #expect(throws: InflateError.corrupt("invalid distance too far back")) { try Self.inflate([0x03, 0x02, 0x00]) }
        #expect(throws: InflateError.truncated) { try Inflate.inflate(TestSupport.hex(Self.dynamicVector).prefix(40)) }
        #expect(throws: InflateError.truncated) { try Self.inflate([]) }
    }

    @Test func crc32KnownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        let data = TestSupport.noise(count: 1001)
        #expect(CRC32.checksum(data[1...]) == CRC32.checksum(Array(data[1...])))
    }

    /// Raw inflate of a whole array.
    static func inflate(_ bytes: [UInt8]) throws -> [UInt8] { try Inflate.inflate(bytes[...]) }

    /// A single final stored block holding `bytes` (at most 65535).
    static func rawDeflateStored(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count <= 0xffff else { return nil }
        let n = UInt16(bytes.count)
        return [0x01, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8(~n >> 8)] + bytes
    }
}
