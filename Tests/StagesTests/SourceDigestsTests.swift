import Cache
import Foundation
import Testing
@testable import Stages

/// The build plugin's digests (SourceFingerprintTool's own SHA-256) are the bytes' true SHA-256.
@Suite struct SourceDigestsTests {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func sourceDigestsMatchSwiftCrypto() throws {
        #expect(SourceDigests.directory == "Sources/Stages/")
        #expect(SourceDigests.files.count > 50)
        for (path, digest) in SourceDigests.files {
            #expect(path.hasPrefix("Sources/Stages/"), "keyed by the path from the package root: \(path)")
            let bytes = try Data(contentsOf: Self.package.appendingPathComponent(path))
            #expect(Digest.of(bytes).hex == digest, "\(path)")
        }
        #expect(SourceDigests.all.files == SourceDigests.files)
    }

    /// Lengths around SHA-256's padding boundaries, which the sources above may all miss.
    @Test func theToolHashesEveryPaddingCase() throws {
        let tool = Self.package.appendingPathComponent(".build/debug/SourceFingerprintTool")
        guard FileManager.default.isExecutableFile(atPath: tool.path) else {
            Issue.record("no \(tool.path): build with `scripts/swiftpm build --build-tests`")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("digests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var expected: [String: String] = [:]
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let bytes = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            try bytes.write(to: directory.appendingPathComponent("f\(length).swift"))
            expected["T/f\(length).swift"] = Digest.of(bytes).hex
        }
        let output = directory.appendingPathComponent("SourceDigests.swift")
        let process = Process()
        process.executableURL = tool
        process.arguments = [output.path, directory.path, directory.appendingPathComponent("T").path]
            + expected.keys.sorted().map { directory.appendingPathComponent(String($0.dropFirst(2))).path }
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = try String(contentsOf: output, encoding: .utf8)
        for (name, digest) in expected {
            #expect(text.contains("\"\(name.dropFirst(2))\": \"\(digest)\""), "\(name)")
        }
    }
}
