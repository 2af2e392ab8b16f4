import Foundation
@testable import Cache

/// Builds and inspects small directory trees for the TreeArchive and directory-digest tests.
enum TreeFixture {
    /// A file to create: path relative to the tree, content, owner-executable or not.
    struct File {
        let path: String
        let content: String
        var executable = false
    }

    /// A path of exactly 150 bytes (ustar names hold 100): needs a PAX header.
    static let longPath = "long/" + String(repeating: "x", count: 141) + ".txt"
    /// A non-ASCII name (also needs a PAX header).
    static let nonASCIIPath = "données/été.csv"

    /// Nested directories, an empty one, an executable, a hidden file, a long and a non-ASCII path.
    static let sample: (files: [File], emptyDirectories: [String]) = (
        [File(path: "a/b/c.txt", content: "deep\n"),
         File(path: "a/top.txt", content: "top\n"),
         File(path: "run.sh", content: "#!/bin/sh\necho hi\n", executable: true),
         File(path: ".hidden", content: "secret\n"),
         File(path: longPath, content: "long\n"),
         File(path: nonASCIIPath, content: "x,y\n1,2\n")],
        ["a/empty", "z-empty"])

    /// Creates the tree under `root` in the given order, with every file and directory's mtime
    /// set to `mtime` and non-executable files given `plainMode` (the archive keeps only 644).
    static func make(_ root: URL, files: [File], emptyDirectories: [String], mtime: Date,
                     plainMode: Int = 0o644) throws {
        let manager = FileManager.default
        for directory in emptyDirectories {
            try manager.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        for file in files {
            let url = root.appendingPathComponent(file.path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.content.utf8).write(to: url)
            try manager.setAttributes([.posixPermissions: file.executable ? 0o755 : plainMode], ofItemAtPath: url.path)
        }
        try touchAll(root, mtime: mtime)
    }

    /// Sets the mtime of everything under `root` (and root itself).
    static func touchAll(_ root: URL, mtime: Date) throws {
        let manager = FileManager.default
        for relative in try manager.subpathsOfDirectory(atPath: root.path) {
            try manager.setAttributes([.modificationDate: mtime], ofItemAtPath: root.appendingPathComponent(relative).path)
        }
        try manager.setAttributes([.modificationDate: mtime], ofItemAtPath: root.path)
    }

    /// Every entry under `root`: "d 755" for a directory, "f <mode> <content>" for a file.
    static func snapshot(_ root: URL) throws -> [String: String] {
        let manager = FileManager.default
        var entries: [String: String] = [:]
        for relative in try manager.subpathsOfDirectory(atPath: root.path) {
            let path = root.appendingPathComponent(relative).path
            let attributes = try manager.attributesOfItem(atPath: path)
            let mode = String((attributes[.posixPermissions] as! Int) & 0o777, radix: 8)
            if attributes[.type] as? FileAttributeType == .typeDirectory {
                entries[relative] = "d \(mode)"
            } else {
                entries[relative] = "f \(mode) " + String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            }
        }
        return entries
    }

    /// Runs a program; returns its exit status, stdout and stderr.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// A tar archive made of raw entries (header + data), for archives pipe would never write.
    static func craftedArchive(_ entries: [(header: TarHeader, data: [UInt8])], end: Bool = true) -> Data {
        var archive = Data()
        for (header, data) in entries {
            archive.append(contentsOf: header.encoded())
            archive.append(contentsOf: data)
            archive.append(Data(count: TarHeader.padding(after: data.count)))
        }
        if end { archive.append(Data(count: 1024)) }
        return archive
    }

    /// A regular-file entry.
    static func fileEntry(_ path: String, _ content: String) -> (header: TarHeader, data: [UInt8]) {
        (TarHeader(name: Array(path.utf8), mode: 0o644, size: content.utf8.count, typeflag: TarHeader.regularFile),
         Array(content.utf8))
    }
}
