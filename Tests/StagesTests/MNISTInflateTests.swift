import Foundation
import Testing
@testable import Stages

/// Pure-Swift gunzip against precomputed vectors (each block type) and the gzip tool.
@Suite struct MNISTInflateTests {

    /// The data the stored and fixed vectors compress (made with zlib, raw deflate).
    static let vectorData: [UInt8] = Array(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 3).utf8)
        + (0..<64).map(UInt8.init) + [UInt8](repeating: UInt8(ascii: "a"), count: 56)
    static let storedVector = "01ff0000ff54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e2054686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e2054686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e20000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161"
    static let fixedVector = "0bc94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb2984d04c31032313330b2b1b3b072717370f2f1fbf80a090b088a898b884a494b48cac9cbc82a292b28aaa9aba86a696b68eae9ebe81a191b189a999b985a595b58dad9d7d22990000"
    static let dynamicData = Array("Subliminal learning: a student distils ghost logits from a teacher that shares its initialization; digit accuracy rises with distillation epochs, peaks with little teacher training, and noise inputs beat real images. Cross-model controls stay near chance, which shows the shared start matters most.".utf8)
    static let dynamicVector = "458fd14dc4400c445b9902c215009f944005be8dc95aecda91ed283aaac78193f8f6f3ccbc8fe33e648ad2c0607215dd5e41883c56d6c42a9132025bb7480cdb24039f6eb398646a9d1dd929119d9c03d759545268c837a598be55467d815a3b9cda032e51e029d99fe9e39703efd67a2cd899be9ef7219983ff8b9ce41ab88074855a0555d97e54e79d6b837359c8a48de38677b78897692b0f34d3742b8d487a40cb13ad93365e707669bdd6db1925c27f1eeb057a6252267b6096fced07"

    /// The type of the first block of a raw deflate stream (0 stored, 1 fixed, 2 dynamic).
    static func firstBlockType(_ deflate: [UInt8]) -> Int { Int(deflate[0] >> 1) & 3 }

    @Test func storedFixedAndDynamicVectors() throws {
        for (vector, data, type) in [(Self.storedVector, Self.vectorData, 0), (Self.fixedVector, Self.vectorData, 1),
                                     (Self.dynamicVector, Self.dynamicData, 2)] {
            let deflate = TestSupport.hex(vector)
            #expect(Self.firstBlockType(deflate) == type)
            #expect(try Inflate.inflate(deflate) == data)
            #expect(try Inflate.gunzip(TestSupport.gzipMember(deflate: deflate, of: data)) == data)
        }
    }

    @Test func emptyInputRoundTrips() throws {
        // zlib's raw deflate of "": one final fixed block holding only end-of-block.
        #expect(try Inflate.inflate([0x03, 0x00]) == [])
    }

    @Test func matchesGzipToolOnEveryBlockType() throws {
        let cases: [(String, [UInt8], Int, Int)] = [
            ("noise (stored blocks)", TestSupport.noise(count: 200_000), 6, 0),
            ("short text (fixed block)", Array("The quick brown fox jumps over the lazy dog".utf8), 9, 1),
            ("text (dynamic blocks)", TestSupport.text(words: 60_000), 9, 2),
            ("text, fast level", TestSupport.text(words: 60_000, seed: 3), 1, 2),
            ("long runs (overlapping copies)", [UInt8](repeating: 7, count: 100_000) + TestSupport.noise(count: 1000)
                + [UInt8](repeating: 9, count: 70_000), 9, 2),
        ]
        for (name, data, level, type) in cases {
            guard let gz = try TestSupport.gzip(data, level: level) else {
                print("skipping gzip-tool comparison: no gzip on PATH"); return
            }
            #expect(Self.firstBlockType(Array(gz[10...])) == type, "\(name): block type")
            #expect(try Inflate.gunzip(gz) == data, "\(name)")
        }
    }

    @Test func concatenatedMembersAndHeaderFields() throws {
        let a = Array("first member\n".utf8), b = Array("second member\n".utf8)
        var one = TestSupport.gzipMember(deflate: try #require(Self.rawDeflateStored(a)), of: a)
        // FNAME and FCOMMENT fields before the data.
        one[3] = 0x08 | 0x10
        one.insert(contentsOf: Array("name.txt\0a comment\0".utf8), at: 10)
        let two = TestSupport.gzipMember(deflate: try #require(Self.rawDeflateStored(b)), of: b)
        #expect(try Inflate.gunzip(one + two) == a + b)
    }

    @Test func rejectsDamagedStreams() throws {
        let good = TestSupport.gzipMember(deflate: TestSupport.hex(Self.dynamicVector), of: Self.dynamicData)
        #expect(throws: InflateError.notGzip) { try Inflate.gunzip([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: InflateError.truncated) { try Inflate.gunzip(Array(good.prefix(good.count - 30))) }
        #expect(throws: InflateError.truncated) { try Inflate.gunzip(Array(good.prefix(good.count - 3))) }
        var badCRC = good
        badCRC[badCRC.count - 8] ^= 0xff
        #expect(throws: InflateError.self) { try Inflate.gunzip(badCRC) }
        do { _ = try Inflate.gunzip(badCRC) } catch { #expect("\(error)".contains("CRC-32 mismatch")) }
        var badSize = good
        badSize[badSize.count - 1] ^= 0x01
        #expect(throws: InflateError.sizeMismatch(expected: UInt32(Self.dynamicData.count) ^ 0x0100_0000,
                                                   actual: UInt32(Self.dynamicData.count))) { try Inflate.gunzip(badSize) }
        #expect(throws: InflateError.invalidBlockType) { try Inflate.inflate([0x07, 0x00]) }
        #expect(throws: InflateError.storedLengthMismatch) { try Inflate.inflate([0x01, 0x05, 0x00, 0x00, 0x00]) }
        // A fixed block whose first symbol is a match at distance 1 with nothing written yet.
        #expect(throws: InflateError.distanceTooFar(distance: 1, available: 0)) { try Inflate.inflate([0x03, 0x02, 0x00]) }
    }

    @Test func crc32KnownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        let data = TestSupport.noise(count: 1001)
        // The 8-byte fast path and the byte loop agree (an array slice and a lazy collection).
        #expect(CRC32.checksum(data) == CRC32.checksum(data.lazy.map { $0 }))
    }

    /// A single final stored block holding `bytes` (at most 65535).
    static func rawDeflateStored(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count <= 0xffff else { return nil }
        let n = UInt16(bytes.count)
        return [0x01, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8(~n >> 8)] + bytes
    }
}
