import Cache
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
        // The leader's start time too: by the time a later build reads this, the group may be
        // gone and its id reused by an unrelated program's group, which must not be killed.
        let started = group > 0 ? startTime(of: group).map { " \($0)" } ?? "" : ""
        let text = Array("\(host) \(group)\(started)\n".utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Stops the commands of dead pipes whose scratch directories are `scratch`'s siblings for
    /// the same key (`stage-<key>-<pid>`).
    static func stop(beside scratch: URL) {
        let name = scratch.lastPathComponent
        guard let dash = name.lastIndex(of: "-") else { return }
        _ = sweep(scratch.deletingLastPathComponent(), prefix: String(name[...dash]), except: name)
    }

    /// Removes the scratch directories under `parent` named `<prefix><pid>` whose pipe is dead,
    /// stopping the command each still runs; returns how many there were.
    static func sweep(_ parent: URL, prefix: String, except: String? = nil, dryRun: Bool = false) -> Int {
        var removed = 0
        for sibling in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        where sibling.hasPrefix(prefix) && sibling != except {
            guard let owner = Int32(sibling.split(separator: "-").last ?? ""), kill(owner, 0) != 0, errno == ESRCH
            else { continue }
            let directory = parent.appendingPathComponent(sibling)
            let words = ((try? String(contentsOf: directory.appendingPathComponent(groupFile), encoding: .utf8)) ?? "")
                .split(whereSeparator: \.isWhitespace).map(String.init)
            // A store shared by cluster nodes holds other hosts' directories: their pids mean
            // nothing here, so only this host's are judged (and a directory without a group
            // file is left alone).
            guard words.count >= 2, words[0] == host else { continue }
            removed += 1
            if dryRun { continue }
            if let group = Int32(words[1]), group > 1, isSameGroup(group, started: words.count > 2 ? UInt64(words[2]) : nil) {
                kill(-group, SIGKILL)   // 0: no command had started
            }
            InputPlacement.makeRemovable(directory)
            try? FileManager.default.removeItem(at: directory)
        }
        return removed
    }
}

extension OrphanedCommands {
    /// Whether the process group `group` may still be the command's. Linux reuses a pid only
    /// once no process has it as its id or group id, so if a process with pid `group` exists
    /// but started at another time, the command's group is empty and that id is someone else's.
    static func isSameGroup(_ group: pid_t, started: UInt64?) -> Bool {
        guard let started, let now = startTime(of: group) else { return true }
        return now == started
    }

    /// When process `pid` started (clock ticks since boot, field 22 of /proc/<pid>/stat); nil
    /// if there is no such process.
    static func startTime(of pid: pid_t) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name (which may hold spaces and parentheses) come fields 3, 4, ...
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}

/// The private directories stages run in (`<store>/tmp/stage-<key>-<pid>`).
public enum StageScratch {
    /// A new scratch directory for `key` in this process, marked as this host's so that, if the
    /// process is killed, a later build or `pipe gc` knows it may remove it.
    static func make(store: ArtifactStore, key: Digest) -> URL {
        let scratch = store.root.appendingPathComponent("tmp/stage-\(key.short)-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        OrphanedCommands.record(group: 0, in: scratch)
        return scratch
    }

    /// Removes the scratch directories that killed pipes of this host left in `store` (stopping
    /// any command still running in one); returns how many.
    public static func sweep(_ store: ArtifactStore, dryRun: Bool = false) -> Int {
        OrphanedCommands.sweep(store.root.appendingPathComponent("tmp"), prefix: "stage-", dryRun: dryRun)
    }
}
