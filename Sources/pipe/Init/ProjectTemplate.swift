import Foundation

/// The files of a new project, and writing them into a new or empty directory.
struct ProjectTemplate {
    let name: String
    let dependency: PipeDependency

    /// One file: its path inside the project, its text, and whether it is a program.
    struct File {
        var path: String
        var text: String
        var executable = false
    }

    var files: [File] {
        let product = "package: \"\(dependency.identity)\""
        return [
            File(path: "Package.swift", text: TemplateManifest.text(name: name, dependency: dependency.manifestLine,
                                                                   package: product)),
            File(path: "Sources/Experiments/main.swift", text: TemplatePipeline.main),
            File(path: "Sources/Experiments/pipeline.swift", text: TemplatePipeline.pipeline),
            File(path: "Sources/StageKinds/MakePoints.swift", text: TemplateKind.makePoints),
            File(path: "Sources/StageKinds/SplitMix64.swift", text: TemplateKind.splitMix),
            File(path: "Tests/StageKindsTests/MakePointsTests.swift", text: TemplateKind.test),
            File(path: "scripts/fit.py", text: TemplateScripts.fit),
            File(path: "scripts/pipe", text: TemplateScripts.runner(watching: watchedDependency), executable: true),
            File(path: ".gitignore", text: TemplateReadme.gitignore),
            File(path: "README.md", text: TemplateReadme.text(name: name)),
        ]
    }

    /// A path dependency's sources, which the runner watches with the project's own.
    private var watchedDependency: [String] {
        guard case let .path(url) = dependency else { return [] }
        return ["Package.swift", "Sources", "Plugins"].map { url.appendingPathComponent($0).path }
    }

    /// Writes every file into `directory`, which must be new or empty but for `.git`.
    func write(into directory: URL) throws {
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]*$"#, options: .regularExpression) != nil else {
            throw InitError.badName(name)
        }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw InitError.notADirectory(directory.path) }
            let entries = try manager.contentsOfDirectory(atPath: directory.path).filter { $0 != ".git" }.sorted()
            guard entries.isEmpty else { throw InitError.notEmpty(directory.path, entries: entries) }
        }
        for file in files {
            let url = directory.appendingPathComponent(file.path)
            do {
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.text.utf8).write(to: url)
                if file.executable { try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
            } catch {
                throw InitError.cannotWrite(url.path, reason: error.localizedDescription)
            }
        }
    }
}
