/// The new project's Package.swift.
enum TemplateManifest {
    static func text(name: String, dependency: String, package: String) -> String {
        #"""
        // swift-tools-version:6.2
        // A pipe project: Sources/Experiments is its `pipe` (pipeline.swift), Sources/StageKinds its
        // stage kinds in Swift. Build and run it with scripts/pipe.
        import PackageDescription

        let package = Package(
            name: "\#(name)",
            platforms: [.macOS(.v14)],
            dependencies: [
                \#(dependency),
            ],
            targets: [
                // Stage kinds in Swift. The plugin hashes this target's sources at build time: the
                // code fingerprint in every key of its kinds, so an edit reruns exactly their stages.
                .target(
                    name: "StageKinds",
                    dependencies: [.product(name: "Pipeline", \#(package))],
                    plugins: [.plugin(name: "SourceFingerprintPlugin", \#(package))]),
                // This project's `pipe`: the whole command line, over the pipeline of pipeline.swift.
                // (For the subliminal-learning study's kinds, add .product(name: "Stages", ...).)
                .executableTarget(
                    name: "Experiments",
                    dependencies: [
                        "StageKinds",
                        .product(name: "Pipeline", \#(package)),
                        .product(name: "PipeCommandLine", \#(package)),
                    ]),
                .testTarget(
                    name: "StageKindsTests",
                    dependencies: ["StageKinds", .product(name: "Pipeline", \#(package))]),
            ]
        )

        """#
    }
}
