import Foundation
import Testing
import Pipeline
@testable import Stages

/// The kinds' names, outputs and code fingerprints (every listed source exists and is hashed).
@Suite struct FigureStageKindsTests {
    static func check<K: StageKind>(_ kind: K.Type, name: String, files: Int) {
        #expect(K.name == name)
        let code = K.code
        #expect(code.files.count == files, "\(name): \(code.files.keys.sorted())")
        for (path, digest) in code.files {
            #expect(FileManager.default.fileExists(atPath: TestSupport.repositoryRoot.appendingPathComponent(path).path), "\(path)")
            #expect(digest.count == 64)
        }
        #expect(code.digest.count == 64)
    }

    @Test func everyKindsCodeResolves() {
        Self.check(LoadMNISTStage.self, name: "load-mnist", files: 4)
        Self.check(PlotAccuracyStage.self, name: "plot-accuracy", files: 16)
        Self.check(ReportStage.self, name: "report", files: 4)
        #expect(LoadMNISTStage.outputs == ["train", "test"])
        #expect(PlotAccuracyStage.outputs == ["figure.svg", "table.csv", "metrics.json"] && PlotAccuracyStage.metrics == ["metrics.json"])
        #expect(ReportStage.outputs == ["report.html"])
        // Where MNIST is found and how it is decompressed are not part of its code: the locator
        // and the zlib wrapper may change without new keys (the decompressed bytes are verified).
        #expect(!LoadMNISTStage.code.files.keys.contains {
            $0.contains("Locator") || $0.contains("Downloader") || $0.contains("Inflate") || $0.contains("CRC32")
        })
    }
}
