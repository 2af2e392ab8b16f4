import Foundation
import Testing
@testable import Cache

@Suite struct TreeArchiveTests {
    let fixture = try! StoreFixture()
    static let hasTar = FileManager.default.isExecutableFile(atPath: "/usr/bin/tar")

    func url(_ relative: String) -> URL { fixture.directory.appendingPathComponent(relative) }

    /// The sample tree at `relative`, archived to `<relative>.tar`.
    func sampleArchive(_ relative: String = "tree") throws -> URL {
        try TreeFixture.make(url(relative), files: TreeFixture.sample.files,
                             emptyDirectories: TreeFixture.sample.emptyDirectories, mtime: Date())
        let archive = url("\(relative).tar")
        try TreeArchive.write(directory: url(relative), to: archive, root: fixture.directory)
        return archive
    }

    @Test func roundTripKeepsTreeAndModes() throws {
        let archive = try sampleArchive()
        try TreeArchive.extract(archive, into: url("restored/deeper"))
        let original = try TreeFixture.snapshot(url("tree")), restored = try TreeFixture.snapshot(url("restored/deeper"))
        #expect(restored == original)
        #expect(restored["run.sh"] == "f 755 #!/bin/sh\necho hi\n")
        #expect(restored[TreeFixture.longPath] == "f 644 long\n")
        #expect(restored[TreeFixture.nonASCIIPath] == "f 644 x,y\n1,2\n")
        #expect(restored["a/empty"] == "d 755" && restored["z-empty"] == "d 755")
        #expect(restored[".hidden"] == "f 644 secret\n")
    }

    /// Same tree, built in another order with other mtimes and permissions: the same bytes.
    @Test func sameTreeGivesSameBytes() throws {
        let sample = TreeFixture.sample
        try TreeFixture.make(url("one"), files: sample.files, emptyDirectories: sample.emptyDirectories,
                             mtime: Date(timeIntervalSince1970: 1_000_000))
        try TreeFixture.make(url("two"), files: sample.files.reversed(), emptyDirectories: sample.emptyDirectories.reversed(),
                             mtime: Date(timeIntervalSince1970: 1_700_000_000), plainMode: 0o600)
        try TreeArchive.write(directory: url("one"), to: url("one.tar"), root: fixture.directory)
        try TreeArchive.write(directory: url("two"), to: url("two.tar"), root: fixture.directory)
        let one = try Data(contentsOf: url("one.tar"))
        #expect(one == (try Data(contentsOf: url("two.tar"))))
        #expect(one.count % 512 == 0)
    }

    @Test func emptyDirectoryIsJustTheEndBlocks() throws {
        try FileManager.default.createDirectory(at: url("empty"), withIntermediateDirectories: true)
        try TreeArchive.write(directory: url("empty"), to: url("empty.tar"), root: fixture.directory)
        #expect(try Data(contentsOf: url("empty.tar")) == Data(count: 1024))
        try TreeArchive.extract(url("empty.tar"), into: url("out"))
        #expect(try TreeFixture.snapshot(url("out")).isEmpty)
    }

    /// GNU tar lists the archive cleanly, in path-byte order, and extracts the same tree.
    @Test(.enabled(if: hasTar, "GNU tar (/usr/bin/tar) is not installed; skipping the interoperability check"))
    func gnuTarReadsIt() throws {
        let archive = try sampleArchive()
        let listing = try TreeFixture.run("/usr/bin/tar", ["--quoting-style=literal", "-tvf", archive.path])
        #expect(listing.status == 0 && listing.errors.isEmpty, "\(listing.errors)")
        #expect(listing.output.contains(TreeFixture.longPath))
        let names = try TreeFixture.run("/usr/bin/tar", ["--quoting-style=literal", "-tf", archive.path])
            .output.split(separator: "\n").map(String.init)
        #expect(names.count == 12)
        #expect(names == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(names.prefix(3) == [".hidden", "a/", "a/b/"])

        try FileManager.default.createDirectory(at: url("by-tar"), withIntermediateDirectories: true)
        let extracted = try TreeFixture.run("/usr/bin/tar", ["-xf", archive.path, "-C", url("by-tar").path])
        #expect(extracted.status == 0, "\(extracted.errors)")
        #expect(try TreeFixture.snapshot(url("by-tar")) == TreeFixture.snapshot(url("tree")))
    }

    /// An archive GNU tar made (PAX format, with its mtime records and a "./" entry) extracts too.
    @Test(.enabled(if: hasTar, "GNU tar (/usr/bin/tar) is not installed; skipping the interoperability check"))
    func extractsWhatGNUTarWrites() throws {
        let sample = TreeFixture.sample
        try TreeFixture.make(url("tree"), files: sample.files, emptyDirectories: sample.emptyDirectories, mtime: Date())
        let created = try TreeFixture.run("/usr/bin/tar", ["--format=pax", "-cf", url("gnu.tar").path, "-C", url("tree").path, "."])
        #expect(created.status == 0, "\(created.errors)")
        try TreeArchive.extract(url("gnu.tar"), into: url("restored"))
        #expect(try TreeFixture.snapshot(url("restored")) == TreeFixture.snapshot(url("tree")))
    }

    /// Files larger than the 1 MiB copy buffer cross chunk boundaries both ways.
    @Test func filesLargerThanTheBufferStream() throws {
        let tree = url("big")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        let bytes = randomBytes(TreeArchive.chunkSize * 2 + 777)
        try bytes.write(to: tree.appendingPathComponent("weights.bin"))
        try Data("after".utf8).write(to: tree.appendingPathComponent("z.txt"))
        try TreeArchive.write(directory: tree, to: url("big.tar"), root: fixture.directory)
        try TreeArchive.extract(url("big.tar"), into: url("restored"))
        #expect(try Data(contentsOf: url("restored/weights.bin")) == bytes)
        #expect(try Data(contentsOf: url("restored/z.txt")) == Data("after".utf8))
    }

    @Test func symlinkToAFileInsideRootIsStoredAsTheFile() throws {
        let scratch = url("scratch")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("out"), withIntermediateDirectories: true)
        try Data("weights".utf8).write(to: scratch.appendingPathComponent("model.bin"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.appendingPathComponent("model.bin").path)
        try FileManager.default.createSymbolicLink(atPath: scratch.appendingPathComponent("out/link.bin").path,
                                                   withDestinationPath: "../model.bin")
        try TreeArchive.write(directory: scratch.appendingPathComponent("out"), to: url("out.tar"), root: scratch)
        try TreeArchive.extract(url("out.tar"), into: url("restored"))
        #expect(try TreeFixture.snapshot(url("restored")) == ["link.bin": "f 755 weights"])
    }

    @Test func otherSymlinksAndSpecialFilesThrowAndLeaveNoArchive() throws {
        let scratch = url("scratch"), out = scratch.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("outside".utf8).write(to: url("outside.txt"))

        func failure(_ make: () throws -> Void) throws -> TreeFailure? {
            let entry = out.appendingPathComponent("entry")
            try? FileManager.default.removeItem(at: entry)
            try make()
            defer { try? FileManager.default.removeItem(at: entry) }
            do {
                try TreeArchive.write(directory: out, to: url("out.tar"), root: scratch)
                return nil
            } catch let failure as TreeFailure {
                #expect(!FileManager.default.fileExists(atPath: url("out.tar").path))
                #expect(failure.entry == "entry" && failure.location == out.path)
                return failure
            }
        }
        func link(_ target: String) -> () throws -> Void {
            { try FileManager.default.createSymbolicLink(atPath: out.appendingPathComponent("entry").path, withDestinationPath: target) }
        }

        let outside = try failure(link(url("outside.txt").path))
        #expect(outside?.reason == .symlinkOutsideRoot(target: url("outside.txt").resolvingSymlinksInPath().path,
                                                       root: scratch.resolvingSymlinksInPath().path))
        #expect(outside.map { "\($0)".contains("'entry' is a symlink to ") && "\($0)".contains(", outside ") } == true)
        #expect(try failure(link("/etc/passwd"))?.reason == .symlinkOutsideRoot(target: "/etc/passwd", root: scratch.resolvingSymlinksInPath().path))
        #expect(try failure(link("missing"))?.reason == .danglingSymlink(target: "missing"))
        #expect(try failure(link("sub"))?.reason == .symlinkToNonFile(target: out.appendingPathComponent("sub").resolvingSymlinksInPath().path,
                                                                        kind: "a directory"))
        let fifo = try failure {
            guard mkfifo(out.appendingPathComponent("entry").path, 0o644) == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        #expect(fifo?.reason == .unsupportedType(kind: "a fifo"))
    }

    @Test func archiveInsideItsOwnTreeIsRefused() throws {
        try FileManager.default.createDirectory(at: url("tree/sub"), withIntermediateDirectories: true)
        #expect(throws: TreeFailure(.archive, url("tree").path, entry: "sub/self.tar", .archiveInsideTree)) {
            try TreeArchive.write(directory: url("tree"), to: url("tree/sub/self.tar"), root: fixture.directory)
        }
    }

    @Test func symlinkedTopDirectoryIsRefused() throws {
        try FileManager.default.createDirectory(at: url("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url("alias").path, withDestinationPath: "real")
        #expect(throws: TreeFailure.self) {
            try TreeArchive.write(directory: url("alias"), to: url("alias.tar"), root: fixture.directory)
        }
    }

    /// Each crafted archive is refused, and nothing appears outside the destination.
    @Test func extractRefusesUnsafeOrDamagedArchives() throws {
        let destination = url("jail/out")
        let escape = url("jail/evil").path
        func refusal(_ archive: Data) throws -> TreeFailure.Reason? {
            try archive.write(to: url("crafted.tar"))
            defer { #expect(!FileManager.default.fileExists(atPath: escape)) }
            do { try TreeArchive.extract(url("crafted.tar"), into: destination) } catch let failure as TreeFailure {
                return failure.reason
            }
            return nil
        }
        let pax = PaxRecords.encode([("path", Array("ok/../../evil".utf8))])
        let paxHeader = TarHeader(name: Array("././@PaxHeader".utf8), mode: 0o644, size: pax.count, typeflag: TarHeader.paxExtended)

        #expect(try refusal(TreeFixture.craftedArchive([TreeFixture.fileEntry("../evil", "x")])) == .unsafePath)
        #expect(try refusal(TreeFixture.craftedArchive([TreeFixture.fileEntry(escape, "x")])) == .unsafePath)
        #expect(try refusal(TreeFixture.craftedArchive([(paxHeader, pax), TreeFixture.fileEntry("fine", "x")])) == .unsafePath)
        let symlink = TarHeader(name: Array("link".utf8), mode: 0o777, size: 0, typeflag: UInt8(ascii: "2"))
        #expect(try refusal(TreeFixture.craftedArchive([(symlink, [])])) == .unsupportedEntryType(typeflag: UInt8(ascii: "2")))

        var damaged = TreeFixture.craftedArchive([TreeFixture.fileEntry("a.txt", "content")])
        damaged[3] ^= 1
        #expect(try refusal(damaged) == .malformed("header checksum mismatch at byte 0"))
        let whole = TreeFixture.craftedArchive([TreeFixture.fileEntry("a.txt", String(repeating: "z", count: 2000))])
        guard case .malformed = try refusal(whole.prefix(1000)) else { Issue.record("a truncated file was accepted"); return }
        guard case .malformed = try refusal(whole.prefix(2560)) else { Issue.record("a missing end block was accepted"); return }
    }

    /// A symlink already in the destination is not written through.
    @Test func extractDoesNotFollowSymlinksInTheDestination() throws {
        try FileManager.default.createDirectory(at: url("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: url("dest"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url("dest/sub").path, withDestinationPath: url("elsewhere").path)
        try TreeFixture.craftedArchive([TreeFixture.fileEntry("sub/file", "x")]).write(to: url("crafted.tar"))
        #expect(throws: TreeFailure.self) { try TreeArchive.extract(url("crafted.tar"), into: url("dest")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: url("elsewhere").path).isEmpty)

        // A file that is a symlink is replaced, not written through.
        try Data("keep".utf8).write(to: url("elsewhere/target"))
        try FileManager.default.createSymbolicLink(atPath: url("dest/file").path, withDestinationPath: url("elsewhere/target").path)
        try TreeFixture.craftedArchive([TreeFixture.fileEntry("file", "new")]).write(to: url("crafted.tar"))
        try TreeArchive.extract(url("crafted.tar"), into: url("dest"))
        #expect(try String(contentsOf: url("elsewhere/target"), encoding: .utf8) == "keep")
        #expect(try String(contentsOf: url("dest/file"), encoding: .utf8) == "new")
    }

    /// Long paths go in a PAX `path` record whose length counts its own digits.
    @Test func paxRecordsRoundTrip() throws {
        for length in [1, 90, 91, 92, 995, 996, 997] {
            let value = [UInt8](repeating: UInt8(ascii: "p"), count: length)
            let data = PaxRecords.encode([("path", value), ("size", Array("9000000000".utf8))])
            let records = try #require(PaxRecords.decode(data))
            #expect(records["path"] == value && records["size"] == Array("9000000000".utf8))
        }
        #expect(PaxRecords.decode(Array("5 path=abc\n".utf8)) == nil)
    }

    @Test func failureMessagesAreOneLineAndNameTheEntry() {
        let failure = TreeFailure(.archive, "/scratch/plots", entry: "a.png",
                                  .symlinkOutsideRoot(target: "/etc/passwd", root: "/scratch"))
        #expect("\(failure)" == "cannot archive /scratch/plots: 'a.png' is a symlink to /etc/passwd, outside /scratch; "
                + "copy the file in instead of linking to it")
        #expect(!"\(TreeFailure(.extract, "/x.tar", entry: "../evil", .unsafePath))".contains("\n"))
    }
}
