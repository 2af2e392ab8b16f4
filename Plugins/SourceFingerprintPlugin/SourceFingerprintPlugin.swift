import PackagePlugin

/// Writes SourceDigests.swift into the target: the SHA-256 of every Swift source file of the
/// target as compiled, so a stage's code fingerprint always describes the code in the binary.
@main
struct SourceFingerprintPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let sources = target.sourceFiles(withSuffix: "swift").map(\.url)
        let output = context.pluginWorkDirectoryURL.appending(path: "SourceDigests.swift")
        let tool = try context.tool(named: "SourceFingerprintTool")
        return [.buildCommand(
            displayName: "Fingerprinting \(sources.count) sources of \(target.name)",
            executable: tool.url,
            arguments: [output.path(), target.directoryURL.path()] + sources.map { $0.path() },
            inputFiles: sources,
            outputFiles: [output])]
    }
}
