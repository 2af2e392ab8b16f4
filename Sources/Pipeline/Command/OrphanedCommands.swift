import Foundation

/// Commands left running by a pipe that was killed (SIGKILL leaves it no chance to stop them):
/// the next run of the same key stops their process group and removes their scratch directory.
/// Nothing of theirs was stored, since a result is stored only after its command has ended.
enum OrphanedCommands {
    /// Where a running command's process group id is written, in its stage's scratch directory.
    static let groupFile = "command.pgid"

    /// This machine's name, written with the group id.
    static let host = ProcessInfo.processInfo.hostName

    /// Writes the group file of a command whose group id is `group` into `scratch`: a plain
    /// write, never synced (a crash that loses it loses nothing, and a sync costs ms per stage).
    static func record(group: pid_t, in scratch: URL) {
        let fd = open(scratch.appendingPathComponent(groupFile).path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let text = Array("\(host) \(group)\n".utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Stops the commands of dead pipes whose scratch directories are `scratch`'s siblings for
    /// the same key (`stage-<key>-<pid>`).
    static func stop(beside scratch: URL) {
        let name = scratch.lastPathComponent
        guard let dash = name.lastIndex(of: "-") else { return }
        let prefix = String(name[...dash])
        let parent = scratch.deletingLastPathComponent()
        for sibling in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        where sibling.hasPrefix(prefix) && sibling != name {
            guard let owner = Int32(sibling.dropFirst(prefix.count)), kill(owner, 0) != 0, errno == ESRCH else { continue }
            let directory = parent.appendingPathComponent(sibling)
            let words = ((try? String(contentsOf: directory.appendingPathComponent(groupFile), encoding: .utf8)) ?? "")
                .split(whereSeparator: \.isWhitespace).map(String.init)
            // A store shared by cluster nodes holds other hosts' directories: their pids mean
            // nothing here, so only this host's are judged (and a directory without a group
            // file on another host is left alone).
            guard words.count == 2, words[0] == host else { continue }
            if let group = Int32(words[1]), group > 1 { kill(-group, SIGKILL) }  // 0: it had not started
            InputPlacement.makeRemovable(directory)
            try? FileManager.default.removeItem(at: directory)
        }
    }
}
