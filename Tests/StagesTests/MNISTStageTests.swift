import Foundation
import Testing
import Pipeline
@testable import Stages

/// load-mnist on generated data and on the real files in shared/data/mnist.
@Suite struct MNISTStageTests {
    @Test func loadsFromUserDirectoryRawOrGzipped() throws {
        for gzip in [false, true] {
            let directory = try TestSupport.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let hashes = try TestSupport.writeSyntheticMNIST(into: directory, gzip: gzip)
            let locator = MNISTLocator(userDirectory: directory, cacheDirectory: directory.appendingPathComponent("cache"), mirrors: [])
            let (train, test) = try TestSupport.loadMNIST(.init(sha256: hashes), locator: locator)
            #expect(train.count == 5 && train.rows == 3 && train.columns == 2 && train.labels == [5, 0, 4, 1, 9])
            #expect(test.count == 2 && test.labels == [7, 2])
            let (few, _) = try TestSupport.loadMNIST(.init(sha256: hashes, trainSamples: 2), locator: locator)
            #expect(few.count == 2 && few.labels == [5, 0] && few.pixels == Array(train.pixels.prefix(12)))
        }
    }

    @Test func rejectsWrongHashesAndSampleCounts() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var hashes = try TestSupport.writeSyntheticMNIST(into: directory, gzip: false)
        let locator = MNISTLocator(userDirectory: directory, cacheDirectory: directory.appendingPathComponent("cache"), mirrors: [])
        #expect(throws: MNISTError.self) { _ = try TestSupport.loadMNIST(.init(sha256: hashes, testSamples: 3), locator: locator) }
        #expect(throws: MNISTError.self) { _ = try TestSupport.loadMNIST(.init(sha256: hashes, trainSamples: 0), locator: locator) }
        hashes.testLabels = String(repeating: "0", count: 64)
        do {
            _ = try TestSupport.loadMNIST(.init(sha256: hashes), locator: locator)
            Issue.record("a wrong hash must fail")
        } catch {
            #expect("\(error)".contains("t10k-labels-idx1-ubyte has SHA-256"))
        }
    }

    @Test func offlineWithoutACopySaysWhatToDo() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let locator = MNISTLocator(userDirectory: nil, cacheDirectory: directory.appendingPathComponent("cache"), mirrors: [])
        do {
            _ = try TestSupport.loadMNIST(.init(), locator: locator)
            Issue.record("no copy anywhere must fail")
        } catch {
            let text = "\(error)"
            #expect(text.contains("train-images-idx3-ubyte not found"))
            #expect(text.contains("PIPE_MNIST_DIR (not set)"))
            #expect(text.contains(directory.appendingPathComponent("cache").path))
            #expect(text.contains("set PIPE_MNIST_DIR=/path/to/mnist"))
            #expect(text.contains("connect to the internet"))
        }
    }

    @Test func environmentChoosesDirectoriesAndMirrors() {
        let locator = MNISTLocator(environment: ["PIPE_MNIST_DIR": "/data/mnist", "XDG_CACHE_HOME": "/c",
                                                 "HOME": "/home/u", "PIPE_MNIST_MIRRORS": "http://a/x, http://b/y/"])
        #expect(locator.userDirectory?.path == "/data/mnist")
        #expect(locator.cacheDirectory.path == "/c/pipe/mnist")
        #expect(locator.mirrors.map(\.absoluteString) == ["http://a/x/", "http://b/y/"])
        let plain = MNISTLocator(environment: ["HOME": "/home/u"])
        #expect(plain.userDirectory == nil)
        #expect(plain.cacheDirectory.path == "/home/u/.cache/pipe/mnist")
        #expect(plain.mirrors.map(\.absoluteString) == MNISTLocator.defaultMirrors)
    }

    @Test func paramsDecodeWithDefaults() throws {
        let params = try LoadMNISTStage.Params.decoding(#"{"trainSamples": 1000}"#)
        #expect(params == LoadMNISTStage.Params(trainSamples: 1000))
        #expect(params.sha256 == .canonical)
    }

    @Test func realMNISTLoadsWithTheRightCountsAndHashes() throws {
        guard let shared = TestSupport.sharedMNIST else {
            print("skipping real-MNIST test: no shared/data/mnist beside the repository (\(TestSupport.repositoryRoot.deletingLastPathComponent().path)/shared/data/mnist)")
            return
        }
        // The canonical defaults are exactly the hashes the data ships with.
        let sums = try String(contentsOf: shared.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
        for file in MNISTFile.allCases { #expect(sums.contains("\(MNISTHashes.canonical[file])  \(file.rawValue)")) }
        let cache = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let locator = MNISTLocator(userDirectory: shared, cacheDirectory: cache, mirrors: [])
        let start = Date()
        let (train, test) = try TestSupport.loadMNIST(.init(), locator: locator)
        print("loaded real MNIST in \(Date().timeIntervalSince(start)) s")
        #expect(train.count == 60000 && train.rows == 28 && train.columns == 28)
        #expect(test.count == 10000 && test.rows == 28 && test.columns == 28)
        // Well-known first labels: 5, 0, 4, 1, 9 (train) and 7, 2, 1, 0, 4 (test).
        #expect(Array(train.labels.prefix(5)) == [5, 0, 4, 1, 9])
        #expect(Array(test.labels.prefix(5)) == [7, 2, 1, 0, 4])
    }
}
