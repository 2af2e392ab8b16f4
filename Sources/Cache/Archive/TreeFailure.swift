/// Why a directory tree could not be archived, extracted or hashed; the message names the tree,
/// the entry and the fix, on one line. (System calls that fail throw `StoreError.io`.)
public struct TreeFailure: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was being done to the tree.
    public enum Operation: String, Sendable {
        case archive, extract, hash
    }

    /// What is wrong with the entry.
    public enum Reason: Equatable, Sendable {
        /// The tree's top is not a directory (archive, hash).
        case notADirectory
        /// The tree's top is a symlink, which archiving does not follow (archive).
        case topIsSymlink(target: String)
        /// The archive being written is inside the tree it archives (archive).
        case archiveInsideTree
        /// A symlink resolves to a file outside the directory links may point into.
        case symlinkOutsideRoot(target: String, root: String)
        /// A symlink whose target does not exist (or loops).
        case danglingSymlink(target: String)
        /// A symlink to something other than a regular file; `kind` is e.g. "a directory".
        case symlinkToNonFile(target: String, kind: String)
        /// Neither a regular file nor a directory nor a symlink; `kind` is e.g. "a fifo".
        case unsupportedType(kind: String)
        /// A name pipe cannot record unambiguously (not UTF-8, or containing a newline).
        case unsupportedName(why: String)
        /// An archive entry's path is absolute or has a `..` component (extract).
        case unsafePath
        /// An archive entry of a type pipe does not write, e.g. a symlink (extract).
        case unsupportedEntryType(typeflag: UInt8)
        /// The archive is damaged: bad header, bad checksum, truncated (extract).
        case malformed(String)
        /// Extracting would go through something in the destination that is not a directory,
        /// such as a symlink (extract).
        case blockedDestination(what: String)
    }

    public let operation: Operation
    /// The directory being archived or hashed, or the archive being extracted.
    public let location: String
    /// The entry's path inside the tree, directories ending in "/"; "" for the whole tree.
    public let entry: String
    public let reason: Reason

    public init(_ operation: Operation, _ location: String, entry: String = "", _ reason: Reason) {
        self.operation = operation
        self.location = location
        self.entry = entry
        self.reason = reason
    }

    public var description: String {
        let subject = entry.isEmpty ? "it" : "'\(entry)'"
        let what: String
        switch reason {
        case .notADirectory:
            what = "\(subject) is not a directory; declare it as a file or create the directory"
        case let .topIsSymlink(target):
            what = "it is a symlink to \(target); make the directory itself, not a link to it"
        case .archiveInsideTree:
            what = "\(subject), the archive being written, is inside the directory; write the archive elsewhere"
        case let .symlinkOutsideRoot(target, root):
            what = "\(subject) is a symlink to \(target), outside \(root); copy the file in instead of linking to it"
        case let .danglingSymlink(target):
            what = "\(subject) is a symlink to \(target), which does not exist; remove the link or create its target"
        case let .symlinkToNonFile(target, kind):
            what = "\(subject) is a symlink to \(target), \(kind); only links to regular files are followed: "
                + "copy the target in or remove the link"
        case let .unsupportedType(kind):
            what = "\(subject) is \(kind); only regular files and directories can be stored: remove it"
        case let .unsupportedName(why):
            what = "\(subject) has a name \(why); rename it"
        case .unsafePath:
            what = "entry \(subject) would be written outside the directory (absolute path or '..'); "
                + "the archive was not written by pipe: delete it"
        case let .unsupportedEntryType(typeflag):
            what = "entry \(subject) has tar type '\(Self.printable(typeflag))' (only files and directories are "
                + "expected); the archive was not written by pipe: delete it"
        case let .malformed(reason):
            what = (entry.isEmpty ? "" : "at entry \(subject): ") + "\(reason); "
                + "the archive is damaged: delete it and rerun the stage that made it"
        case let .blockedDestination(what: blocker):
            what = "\(subject) would be written through \(blocker) in the destination; remove it and retry"
        }
        return "cannot \(operation.rawValue) \(location): \(what)"
    }

    private static func printable(_ byte: UInt8) -> String {
        (32..<127).contains(byte) ? String(UnicodeScalar(byte)) : "byte \(byte)"
    }
}
