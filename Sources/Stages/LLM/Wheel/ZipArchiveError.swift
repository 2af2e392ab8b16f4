/// Why a member could not be taken out of a ZIP archive (a wheel), naming the archive and member.
public enum ZipArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    case notZip(path: String)
    case truncated(path: String, what: String)
    case zip64(path: String)
    case missingMember(path: String, member: String, members: [String])
    case unsupportedMethod(path: String, member: String, method: UInt16)
    case corruptMember(path: String, member: String, reason: String)

    public var description: String {
        switch self {
        case let .notZip(path):
            return "\(path): not a ZIP archive (no end-of-central-directory record); the download is incomplete or not a wheel"
        case let .truncated(path, what):
            return "\(path): truncated ZIP archive: \(what) lies beyond the end of the file; fetch it again"
        case let .zip64(path):
            return "\(path): a ZIP64 archive (over 4 GiB or 65535 members), which pipe does not read; unpack it yourself "
                + "and point pipe at the file"
        case let .missingMember(path, member, members):
            let shown = members.prefix(8).joined(separator: ", ") + (members.count > 8 ? ", ..." : "")
            return "\(path): no member \"\(member)\" (it has: \(shown)); the package's layout changed, pin another version"
        case let .unsupportedMethod(path, member, method):
            return "\(path): member \"\(member)\" uses compression method \(method); only stored (0) and deflate (8) are read"
        case let .corruptMember(path, member, reason):
            return "\(path): member \"\(member)\" is corrupt: \(reason); fetch the archive again"
        }
    }
}
