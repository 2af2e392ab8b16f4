import PackagePlugin

/// Writes SourceDigests.swift into the target it is applied to: the SHA-256 of every Swift source
/// file of that target as compiled, by path from its package's root, so a stage's code fingerprint
/// always describes the code in the binary. Apply it to any target that defines stage kinds
/// (`plugins: [.plugin(name: "SourceFingerprintPlugin", package: "pipe")]`): its kinds get a
/// fingerprint of all its sources without listing any (see SourceFingerprintTool).
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
            arguments: [output.path(), context.package.directoryURL.path(), target.directoryURL.path()]
                + sources.map { $0.path() },
            inputFiles: sources,
            outputFiles: [output])]
    }
}
