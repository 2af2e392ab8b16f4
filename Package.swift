// swift-tools-version:6.2
// pipe: a reproducible-pipeline build system for ML experiments.
// Dependencies flow one way: pipe -> Pipeline -> Cache; Stages -> Pipeline.
import Foundation
import PackageDescription

// Sources/pipe is the command line (PipeCommandLine); only its main.swift belongs to the `pipe`
// executable, which excludes the rest by name (SwiftPM warns of files a target leaves unhandled).
let commandLineFiles = ((try? FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/Sources/pipe")) ?? [])
    .filter { $0 != "main.swift" }.sorted().map { "Sources/pipe/" + $0 }

let package = Package(
    name: "pipe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pipe", targets: ["pipe"]),
        // For a project of your own (`pipe init`): the engine and the store,
        .library(name: "Pipeline", targets: ["Pipeline", "Cache"]),
        // the command line, so your executable is a whole `pipe` (PipeMain.run(definePipeline)),
        .library(name: "PipeCommandLine", targets: ["PipeCommandLine"]),
        // the study's stage kinds to reuse (MNIST, MLP training, LLM reading, figures),
        .library(name: "Stages", targets: ["Stages"]),
        // and the code fingerprints of your own stage kinds' sources.
        .plugin(name: "SourceFingerprintPlugin", targets: ["SourceFingerprintPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Only for Benchmarks/LibraryBenchmark, which measures it against ZipArchive.
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
        // HTTP remotes: streamed bodies with back-pressure (see HTTPRemote for the measurements).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // C libraries, from Debian's -dev packages.
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        // zlib, for gzip (MNIST) and deflate (wheels). Not named CZlib: ZIPFoundation's module
        // is, and the benchmark that links both would see the module defined twice.
        .systemLibrary(name: "CLibz", path: "Sources/CLibz", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // Declarations only: libopenblas is opened with dlopen at first use, after pipe has
        // chosen OPENBLAS_CORETYPE, because OpenBLAS picks its kernels when it is loaded.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        // Header-only AVX-512 kernels and a prefetch hint, which Swift cannot express (its x86-64
        // baseline is SSE2); Stages calls them only on CPUs that have AVX-512.
        .systemLibrary(name: "CKernels", path: "Sources/CKernels"),

        // Hashes a target's sources at build time: the code fingerprint of its stage kinds.
        .executableTarget(name: "SourceFingerprintTool", path: "Sources/SourceFingerprintTool"),
        .plugin(name: "SourceFingerprintPlugin", capability: .buildTool(),
                dependencies: ["SourceFingerprintTool"], path: "Plugins/SourceFingerprintPlugin"),

        .target(name: "Cache", dependencies: [
            "CZstd",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .target(name: "Pipeline", dependencies: ["Cache"]),
        // Optimized even in debug builds: tests run the real numeric code (training, the LLM) at
        // small scale, and unoptimized Swift loops are tens of times slower.
        .target(name: "Stages", dependencies: ["Pipeline", "COpenBLAS", "CKernels", "CLibz"],
                swiftSettings: [.unsafeFlags(["-O"])],
                plugins: ["SourceFingerprintPlugin"]),
        // The command line, as a library so tests can run it on toy pipelines (Tests/ToyPipe).
        .target(
            name: "PipeCommandLine",
            dependencies: ["Pipeline", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/pipe",
            exclude: ["main.swift"]),
        // `pipe` itself: the command line plus the experiments of pipeline.swift.
        .executableTarget(
            name: "pipe",
            dependencies: ["PipeCommandLine", "Pipeline", "Stages"],
            path: ".",
            // Everything else under the root belongs to other targets or is data; excluding it
            // keeps SwiftPM from scanning the store (artifacts/ holds thousands of blobs).
            exclude: ["artifacts", "results", "docs", "scripts", "Benchmarks", "Plugins", "Tests", "README.md",
                      "Sources/Cache", "Sources/Pipeline", "Sources/Stages", "Sources/CZstd",
                      "Sources/COpenBLAS", "Sources/CKernels", "Sources/CLibz", "Sources/SourceFingerprintTool"]
                + commandLineFiles,
            sources: ["Sources/pipe/main.swift", "pipeline.swift"]),
        // A `pipe` with toy stages (sleep, fail, echo) for process-level tests: locks, SIGKILL.
        .executableTarget(
            name: "ToyPipe",
            dependencies: ["PipeCommandLine", "Pipeline"],
            path: "Tests/ToyPipe"),

        // Benchmarks print figures; they are never run by `swift test`.
        .executableTarget(name: "StoreBenchmark", dependencies: ["Cache"],
                          path: "Benchmarks/StoreBenchmark"),
        .executableTarget(name: "TrainingBenchmark", dependencies: ["Stages"],
                          path: "Benchmarks/TrainingBenchmark"),
        .executableTarget(name: "PrefillBenchmark", dependencies: ["Stages"],
                          path: "Benchmarks/PrefillBenchmark"),
        // pipe's own ZIP and tar code against a library and tools for the same jobs; zlib's gunzip.
        .executableTarget(name: "LibraryBenchmark",
                          dependencies: ["Stages", "Cache", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                          path: "Benchmarks/LibraryBenchmark"),
        // Prints a Llama model's next-token logits as JSON, for scripts/check_smollm2.py.
        .executableTarget(name: "LLMProbe", dependencies: ["Stages"],
                          path: "Benchmarks/LLMProbe"),

        .testTarget(name: "CacheTests", dependencies: ["Cache"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline"]),
        .testTarget(name: "StagesTests", dependencies: ["Stages"]),
        .testTarget(name: "pipeTests", dependencies: ["PipeCommandLine", "pipe", "ToyPipe"]),
    ]
)
