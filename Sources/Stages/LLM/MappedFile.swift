import Foundation

/// A read-only memory map of a whole file; the bytes stay valid while the object lives.
public final class MappedFile: @unchecked Sendable {
    /// The file's path, for error messages.
    public let path: String
    /// The mapped bytes (empty for an empty file).
    public let bytes: UnsafeRawBufferPointer

    /// Maps `path` read-only; throws `MappedFileError` when it cannot be opened or mapped.
    public init(path: String) throws(MappedFileError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MappedFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MappedFileError(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw MappedFileError(path: path, reason: "mmap failed: " + String(cString: strerror(errno)))
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// The number of bytes mapped.
    public var count: Int { bytes.count }
}

/// A model file could not be opened or mapped.
public struct MappedFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "cannot read \(path): \(reason); check that the file exists and is readable" }
}
