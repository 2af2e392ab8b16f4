import Foundation
import Pipeline
import Testing

/// Command stages (issue 12) end to end: ToyPipe's `cmd*` targets (`defineCommandStages`) run
/// python3 and sh over a project written into a scratch directory (CommandProject), each test
/// with its own store. What reruns is read from the build's plain output ("X: started", the
/// "N stages: R ran, C cached" summary) and `status --json`.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CommandStageTests {
    // MARK: What reruns

    @Test func editingTheScriptRerunsOnlyItsStageAndWhatDependsOnIt() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let first = try project.toy("build", "cmd")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("3 stages: 3 ran, 0 cached"), "\(first.stderr)")
        #expect(CommandProject.started(first) == ["cmd.alpha", "cmd.upper", "cmd.count"])
        #expect(project.read("results/cmd/count.txt") == "4\n")

        // A real edit (every suffix doubled): the same word count, so cmd.count reruns on a new input.
        try project.write("scripts/upper.py", CommandProject.upperScript.replacingOccurrences(
            of: "w.upper() + a.suffix", with: "w.upper() + a.suffix + a.suffix"))
        let status = try project.status(["cmd"])
        #expect(status["cmd.alpha"]?.state == "cached")
        #expect(status["cmd.upper"]?.reasons == ["input 'scripts/upper.py' changed"])
        #expect(status["cmd.count"]?.state == "to-run")
        let second = try project.toy("build", "cmd")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("3 stages: 2 ran, 1 cached"), "\(second.stderr)")
        #expect(CommandProject.started(second) == ["cmd.upper", "cmd.count"])
        #expect(project.read("results/cmd/count.txt") == "4\n")
        let upper = try project.toy("build", "cmd-upper")
        #expect(upper.stderr.contains("2 stages: 0 ran, 2 cached"), "\(upper.stderr)")
        #expect(project.read("results/cmd-upper/upper.txt") == "ONE!! TWO!! THREE!! ALPHA!!\n")

        let third = try project.toy("build", "cmd")
        #expect(third.stderr.contains("3 stages: 0 ran, 3 cached"), "\(third.stderr)")
        #expect(CommandProject.started(third).isEmpty)
    }

    @Test func aCommentOnlyEditStopsAtTheIdenticalOutput() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        #expect(try project.toy("build", "cmd").status == 0)
        try project.append("scripts/upper.py", "# only a comment: the outputs stay the same\n")
        let status = try project.status(["cmd"])
        #expect(status["cmd.upper"]?.reasons == ["input 'scripts/upper.py' changed"])
        #expect(status["cmd.count"]?.reasons.first?.contains("waits for cmd.upper") == true, "\(status)")
        let build = try project.toy("build", "cmd")
        #expect(build.status == 0, "\(build.stderr)")
        // cmd.upper reran and wrote the same bytes: cmd.count's key is unchanged, so it is cached.
        #expect(CommandProject.started(build) == ["cmd.upper"])
        #expect(build.stderr.contains("3 stages: 1 ran, 2 cached"), "\(build.stderr)")
        #expect(project.read("results/cmd/count.txt") == "4\n")
    }

    @Test func aSettingInTheArgvChangesTheKey() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        #expect(try project.toy("build", "cmd-upper").status == 0)
        #expect(project.read("results/cmd-upper/upper.txt") == "ONE! TWO! THREE! ALPHA!\n")
        let before = try project.status(["cmd-upper"])["cmd.upper"]
        #expect(before?.state == "cached")
        let changed = try project.status(["cmd-upper", "--set", "cmd.suffix=?"])["cmd.upper"]
        #expect(changed?.reasons == ["command changed: argument 3: ! -> ?"])
        #expect(changed?.key != nil && changed?.key != before?.key)

        let build = try project.toy("build", "cmd-upper", "--set", "cmd.suffix=?")
        #expect(build.status == 0, "\(build.stderr)")
        #expect(CommandProject.started(build) == ["cmd.upper"])
        #expect(project.read("results/cmd-upper/upper.txt") == "ONE? TWO? THREE? ALPHA?\n")
        // Back to the default: the first result, still stored under its key.
        let back = try project.toy("build", "cmd-upper")
        #expect(back.stderr.contains("2 stages: 0 ran, 2 cached"), "\(back.stderr)")
        #expect(project.read("results/cmd-upper/upper.txt") == "ONE! TWO! THREE! ALPHA!\n")
    }

    @Test func declaredVariablesAreInTheKeyAndNoOtherVariableReachesTheCommand() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        // In pipe's environment: an undeclared variable, and the declared TOY_MODE (which the
        // pipeline sets itself). Neither reaches the command; PYTHONHASHSEED is fixed.
        let first = try project.toy(["build", "cmd-upper"], environment: ["TOY_SECRET": "leak", "TOY_MODE": "from-shell"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(project.read("results/cmd-upper/env.txt") == CommandProject.envText())
        // Nor are they in the key.
        let plain = try project.status(["cmd-upper"])["cmd.upper"]
        #expect(plain?.state == "cached")
        for environment in [["TOY_SECRET": "other"], ["TOY_SECRET": "leak", "TOY_MODE": "fancy"]] {
            let status = try project.status(["cmd-upper"], environment: environment)
            #expect(status.values.map(\.state) == ["cached", "cached"], "\(environment): \(status)")
            #expect(status["cmd.upper"]?.key == plain?.key)
        }
        let again = try project.toy("build", "cmd-upper")
        #expect(again.stderr.contains("2 stages: 0 ran, 2 cached"), "\(again.stderr)")

        // A declared variable's value changes the key...
        let fancy = try project.status(["cmd-upper", "--set", "cmd.mode=fancy"])["cmd.upper"]
        #expect(fancy?.reasons == ["environment variable TOY_MODE changed: 'plain' -> 'fancy'"])
        // ...and so does a passed-through one set in pipe's environment.
        let passed = try project.status(["cmd-upper"], environment: ["TOY_PASSED": "yes"])["cmd.upper"]
        #expect(passed?.reasons == ["environment variable TOY_PASSED changed: (unset) -> 'yes'"])

        let fancyBuild = try project.toy("build", "cmd-upper", "--set", "cmd.mode=fancy")
        #expect(CommandProject.started(fancyBuild) == ["cmd.upper"], "\(fancyBuild.stderr)")
        #expect(project.read("results/cmd-upper/env.txt") == CommandProject.envText(mode: "fancy"))
        let passedBuild = try project.toy(["build", "cmd-upper"], environment: ["TOY_PASSED": "yes"])
        #expect(CommandProject.started(passedBuild) == ["cmd.upper"], "\(passedBuild.stderr)")
        #expect(project.read("results/cmd-upper/env.txt") == CommandProject.envText(passed: "yes"))
        // Set to the empty string is not the same as unset.
        let empty = try project.status(["cmd-upper"], environment: ["TOY_PASSED": ""])["cmd.upper"]
        #expect(empty?.state == "to-run")
        #expect(empty?.key != nil && empty?.key != passed?.key && empty?.key != plain?.key)
    }

    @Test func aToolsIdentityIsInTheKey() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        #expect(try project.toy("build", "cmd-upper").status == 0)
        try project.write("toolversion.txt", "2.0\n")
        #expect(try project.status(["cmd-upper"])["cmd.upper"]?.reasons == ["tool changed: toytool (none -> 2.0)"])
        let build = try project.toy("build", "cmd-upper")
        #expect(CommandProject.started(build) == ["cmd.upper"], "\(build.stderr)")
        try project.write("toolversion.txt", "3.0\n")
        #expect(try project.status(["cmd-upper"])["cmd.upper"]?.reasons == ["tool changed: toytool (2.0 -> 3.0)"])
        // Without the file the tool says "none" again: the first result's key.
        try FileManager.default.removeItem(at: project.url("toolversion.txt"))
        let back = try project.toy("build", "cmd-upper")
        #expect(back.stderr.contains("2 stages: 0 ran, 2 cached"), "\(back.stderr)")
    }

    // MARK: Directories

    @Test func aDirectoryInputAndADirectoryOutput() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let first = try project.toy("build", "cmd", "cmd-upper")
        #expect(first.status == 0, "\(first.stderr)")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: project.url("results/cmd-upper/report").path, isDirectory: &isDirectory)
                && isDirectory.boolValue)
        #expect(project.read("results/cmd-upper/report/n.txt") == "3")
        #expect(project.read("results/cmd-upper/report/sub/first.txt") == "one")
        // cmd.count got the directory as one input, with its entries.
        #expect(project.read("results/cmd/files.txt") == "n.txt\nsub\n")
        #expect(project.read("results/cmd/count.txt") == "4\n")

        // A file nothing reads, added to data/: the input changed, cmd.upper's outputs did not.
        try project.write("data/notes.txt", "not read by the script\n")
        #expect(try project.status(["cmd"])["cmd.upper"]?.reasons == ["input 'data/' changed"])
        let unread = try project.toy("build", "cmd", "cmd-upper")
        #expect(CommandProject.started(unread) == ["cmd.upper"], "\(unread.stderr)")

        // The words changed: both commands rerun, the directory output follows.
        try project.write("data/words.txt", "zero one two three\n")
        #expect(try project.status(["cmd"])["cmd.upper"]?.reasons == ["input 'data/' changed"])
        let changed = try project.toy("build", "cmd", "cmd-upper")
        #expect(CommandProject.started(changed) == ["cmd.upper", "cmd.count"], "\(changed.stderr)")
        #expect(project.read("results/cmd-upper/report/n.txt") == "4")
        #expect(project.read("results/cmd-upper/report/sub/first.txt") == "zero")
        #expect(project.read("results/cmd/count.txt") == "5\n")
    }

    // MARK: Failures

    struct Failure: Sendable, CustomTestStringConvertible {
        var target: String
        var stage: String
        var messages: [String]
        var testDescription: String { target }
    }

    static let failures = [
        Failure(target: "cmd-fail", stage: "cmd.fail", messages: [
            "`sh -c 'echo about to fail; echo '\\''oops'\\'' >&2; exit 3'` exited with status 3",
            "  last lines of its output:\n    | about to fail\n    | oops\n",
        ]),
        Failure(target: "cmd-missing", stage: "cmd.missing", messages: [
            "the command exited 0 but did not write its declared output 'wanted.txt' (the stage's directory holds: other.txt)",
        ]),
        Failure(target: "cmd-escape", stage: "cmd.escape", messages: [
            "output 'out.txt' resolves to /etc/hostname, not a file inside the stage's directory; write outputs inside it (nothing was stored)",
        ]),
        Failure(target: "cmd-noprog", stage: "cmd.noprog", messages: [
            "cannot run the command: 'pipe-no-such-program' is not an executable on PATH (",
            "); install it or fix argv[0]",
        ]),
        Failure(target: "cmd-notool", stage: "cmd.notool", messages: [
            "tool 'missing-tool' is not available: `sh -c exit 9` exited with status 9; install it: apt-get install missing-tool",
        ]),
    ]

    @Test(arguments: failures)
    func aFailingCommandExitsNonZeroWithItsReasonAndStoresNothing(_ failure: Failure) throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        for attempt in 1...2 {
            let build = try project.toy("build", failure.target)
            #expect(build.status == 1, "attempt \(attempt): \(build.stderr)")
            #expect(build.stderr.contains("pipe: error: stage '\(failure.stage)' failed (key "), "\(build.stderr)")
            for message in failure.messages {
                #expect(build.stderr.contains(message), "attempt \(attempt): \(build.stderr)")
            }
            #expect(build.stderr.contains("1 stages: 0 ran, 0 cached, 1 failed"), "\(build.stderr)")
            let status = try project.status([failure.target])[failure.stage]
            #expect(status?.state == "to-run")
            #expect(status?.reasons == ["never built"])
            #expect(project.storedBlobs().isEmpty)
            #expect(!project.exists("results/\(failure.target)"))
            // The stage's scratch directory (its inputs' copies, what it wrote) is gone too.
            let scratch = (try? FileManager.default.contentsOfDirectory(atPath: project.url("store/tmp").path)) ?? []
            #expect(scratch.isEmpty, "\(scratch)")
        }
    }

    /// A failed command's directory, with what it wrote, is kept where the error says (Snakemake
    /// deleted it before --keep-incomplete, snakemake#3351); the same key's success removes it.
    @Test func aFailedCommandsDirectoryIsKeptUntilItSucceeds() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let flag = project.url("flag").path
        let failed = try project.toy("build", "cmd-flaky", "--set", "cmd.flag=\(flag)")
        #expect(failed.status == 1, "\(failed.stderr)")
        let marker = "  its directory, as the command left it: "
        let line = try #require(failed.stderr.split(separator: "\n").first { $0.hasPrefix(marker) }, "\(failed.stderr)")
        let kept = String(line.dropFirst(marker.count))
        #expect(kept.hasPrefix(project.url("store/logs/cmd.flaky-").path) && kept.hasSuffix(".failed"), "\(kept)")
        #expect((try? String(contentsOfFile: kept + "/partial.txt", encoding: .utf8)) == "partial\n")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: project.url("store/tmp").path)) ?? []).isEmpty)
        // `pipe show` points to the failed run; with --log it prints that run's log.
        let show = try project.toy("show", "cmd.flaky", "--set", "cmd.flag=\(flag)")
        #expect(show.status == 1 && show.stderr.contains("its last run failed (`pipe show cmd.flaky --log`: ")
                    && show.stderr.contains(kept), "\(show.stderr)")
        let status = try project.toy("status", "cmd-flaky", "--set", "cmd.flag=\(flag)")
        #expect(status.stdout.contains("never built; its last run failed (`pipe show cmd.flaky --log`)"), "\(status.stdout)")
        #expect(try project.status(["cmd-flaky", "--set", "cmd.flag=\(flag)"])["cmd.flaky"]?.lastRunFailed == true)
        let log = try project.toy("show", "cmd.flaky", "--log", "--set", "cmd.flag=\(flag)")
        #expect(log.status == 0 && log.stdout.contains("exited with status 1"), "\(log.stdout) \(log.stderr)")

        try project.write("flag", "")
        let built = try project.toy("build", "cmd-flaky", "--set", "cmd.flag=\(flag)")
        #expect(built.status == 0, "\(built.stderr)")
        #expect(project.read("results/cmd-flaky/out.txt") == "done\n")
        #expect(!FileManager.default.fileExists(atPath: kept) && !FileManager.default.fileExists(atPath: kept + ".log"))
    }

    /// `pipe gc` removes the kept directories of failed commands.
    @Test func gcRemovesFailedCommandsDirectories() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let failed = try project.toy("build", "cmd-missing")
        #expect(failed.status == 1 && failed.stderr.contains("its directory, as the command left it: "), "\(failed.stderr)")
        let logs = project.url("store/logs").path
        let kept = { ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).filter { $0.hasSuffix(".failed") } }
        #expect(kept().count == 1)
        let dry = try project.toy("gc", "--dry-run")
        #expect(dry.stdout.contains("would remove 1 failed stages' kept directories"), "\(dry.stdout)")
        #expect(kept().count == 1)
        let gc = try project.toy("gc")
        #expect(gc.stdout.contains("removed 1 failed stages' kept directories"), "\(gc.stdout)")
        #expect(kept().isEmpty)
    }

    /// A symlink to nothing outside the stage's directory is the command's bad output, said so;
    /// nothing is stored.
    @Test func aDanglingSymlinkOutputFailsAsTheCommandsFault() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let build = try project.toy("build", "cmd-dangle")
        #expect(build.status == 1, "\(build.stderr)")
        #expect(build.stderr.contains("1 stages: 0 ran, 0 cached, 1 failed"), "\(build.stderr)")
        #expect(try project.status(["cmd-dangle"])["cmd.dangle"]?.reasons == ["never built"])
        #expect(project.storedBlobs().isEmpty)
        #expect(build.stderr.contains("pipe: error: stage 'cmd.dangle' failed (key "), "\(build.stderr)")
        #expect(build.stderr.contains("output 'out.txt' resolves to /nonexistent/pipe-toy-target (No such file or directory)"),
                "\(build.stderr)")
    }

    // MARK: Inputs

    @Test func inputsAreCopiesTheCommandCannotChange() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        #expect(try project.toy("build", "cmd-upper").status == 0)
        let words = project.url("data/words.txt").path
        let attributesBefore = try FileManager.default.attributesOfItem(atPath: words)
        let blobsBefore = project.storedBlobs()
        #expect(!blobsBefore.isEmpty)

        // cmd.tamper makes its inputs writable, appends to them, reads them back, deletes them.
        let tamper = try project.toy("build", "cmd-tamper")
        #expect(tamper.status == 0, "\(tamper.stderr)")
        #expect(CommandProject.started(tamper) == ["cmd.tamper"])
        // It really changed its copies (a project directory, an upstream file, an upstream directory)...
        #expect(project.read("results/cmd-tamper/seen.txt") == "one two three\nTAMPERED\nalphaTAMPERED\n3TAMPERED\n")

        // ...and neither the project nor the store saw it.
        #expect(project.read("data/words.txt") == CommandProject.words)
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.url("data").path) == ["words.txt"])
        let attributesAfter = try FileManager.default.attributesOfItem(atPath: words)
        for key in [FileAttributeKey.posixPermissions, .modificationDate, .size, .systemFileNumber] {
            #expect("\(attributesBefore[key] ?? "-")" == "\(attributesAfter[key] ?? "-")", "\(key)")
        }
        #expect(project.storedBlobs().isSuperset(of: blobsBefore))
        let verify = try project.toy("verify")
        #expect(verify.status == 0 && verify.stdout.contains("store is healthy"), "\(verify.stdout)\(verify.stderr)")
        let again = try project.toy("build", "cmd-upper", "cmd-tamper")
        #expect(again.stderr.contains("3 stages: 0 ran, 3 cached"), "\(again.stderr)")
        #expect(project.read("results/cmd-upper/report/n.txt") == "3")
        #expect(project.read("results/cmd-upper/upper.txt") == "ONE! TWO! THREE! ALPHA!\n")
        let check = try project.toy("check", "cmd-upper")
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    // MARK: Processes

    @Test func aSigkilledPipeLeavesNoCommandAndTheRebuildMatchesACleanBuild() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let runlog = project.url("runs.log").path
        // Quiet: a command that prints nothing does not die of SIGPIPE when its pipe is killed.
        let arguments = ["build", "cmd-slow", "--set", "cmd.seconds=4", "--set", "cmd.quiet=true",
                         "--set", "cmd.runlog=\(runlog)"]
        let command = ["scripts/slow.py", runlog]
        let victim = try project.start(arguments)
        let working = Processes.waitUntil(timeout: 30) { project.runlog(runlog).contains { $0.hasPrefix("start ") } }
        #expect(working, "\(victim.stderr.contents)")
        victim.signal(SIGKILL)
        #expect(victim.wait(timeout: 10) == 128 + SIGKILL)
        let orphans = Processes.matching(command)
        #expect(!orphans.isEmpty, "the command should outlive the SIGKILLed pipe (or this test proves nothing)")

        // The same key again, and from scratch in another store at the same time.
        let rebuild = try project.start(arguments)
        let clean = try project.start(arguments + ["--store", "clean", "--results", "clean-results"])
        #expect(rebuild.wait(timeout: 60) == 0, "\(rebuild.output.stderr)")
        #expect(clean.wait(timeout: 60) == 0, "\(clean.output.stderr)")
        #expect(rebuild.output.stderr.contains("1 stages: 1 ran, 0 cached"), "\(rebuild.output.stderr)")

        // The orphan was stopped, not left to finish: it is gone and never wrote its end.
        #expect(orphans.allSatisfy { !Processes.isAlive($0) }, "\(orphans)")
        let lines = project.runlog(runlog)
        for pid in orphans { #expect(!lines.contains("end \(pid)"), "\(lines)") }
        #expect(lines.filter { $0.hasPrefix("start ") }.count == 3, "\(lines)")
        #expect(lines.filter { $0.hasPrefix("end ") }.count == 2, "\(lines)")
        #expect(Processes.matching(command).isEmpty)
        // Its scratch directory is gone, and the result is the clean build's.
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: project.url("store/tmp").path)) ?? []
        #expect(scratch.isEmpty, "\(scratch)")
        let key = try project.status(Array(arguments.dropFirst()))["cmd.slow"]
        let cleanKey = try project.status(Array(arguments.dropFirst()) + ["--store", "clean"])["cmd.slow"]
        #expect(key?.state == "cached" && cleanKey?.state == "cached")
        #expect(key?.key != nil && key?.key == cleanKey?.key)
        #expect(project.read("results/cmd-slow/done.txt") == "done")
        #expect(project.read("clean-results/cmd-slow/done.txt") == "done")
        #expect(try project.toy("verify").status == 0)
    }

    @Test func gcRemovesTheScratchOfAKilledBuildAndStopsItsCommand() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let runlog = project.url("runs.log").path
        let arguments = ["build", "cmd-slow", "--set", "cmd.seconds=5", "--set", "cmd.quiet=true",
                         "--set", "cmd.runlog=\(runlog)"]
        let victim = try project.start(arguments)
        let working = Processes.waitUntil(timeout: 30) { project.runlog(runlog).contains { $0.hasPrefix("start ") } }
        #expect(working, "\(victim.stderr.contents)")
        victim.signal(SIGKILL)
        #expect(victim.wait(timeout: 10) == 128 + SIGKILL)
        let orphans = Processes.matching(["scripts/slow.py", runlog])
        #expect(!orphans.isEmpty)
        let tmp = project.url("store/tmp").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).count == 1)

        // gc beside a live build leaves that build's directory alone; the killed one's goes.
        let dry = try project.toy("gc", "--dry-run")
        #expect(dry.stdout.contains("would remove 1 scratch directories left by killed builds"), "\(dry.stdout)")
        #expect(orphans.allSatisfy(Processes.isAlive))
        let gc = try project.toy("gc")
        #expect(gc.status == 0, "\(gc.stderr)")
        #expect(gc.stdout.contains("removed 1 scratch directories left by killed builds"), "\(gc.stdout)")
        #expect(Processes.waitUntil(timeout: 10) { orphans.allSatisfy { !Processes.isAlive($0) } }, "\(orphans)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).isEmpty)
        #expect(!project.runlog(runlog).contains { $0.hasPrefix("end ") })
        #expect(!(try project.toy("gc")).stdout.contains("scratch"))
    }

    @Test func ctrlCStopsTheCommandAndCancelsTheBuild() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let runlog = project.url("runs.log").path
        let arguments = ["build", "cmd-slow", "--set", "cmd.seconds=6", "--set", "cmd.runlog=\(runlog)"]
        let command = ["scripts/slow.py", runlog]
        let build = try project.start(arguments)
        let working = Processes.waitUntil(timeout: 30) { project.runlog(runlog).contains { $0.hasPrefix("start ") } }
        #expect(working, "\(build.stderr.contents)")
        #expect(!Processes.matching(command).isEmpty)
        let interrupted = Date()
        build.signal(SIGINT)
        let status = build.wait(timeout: 30)
        let seconds = Date().timeIntervalSince(interrupted)
        #expect(status == 1, "\(build.output.stderr)")
        #expect(build.output.stderr.contains("pipe: error: build cancelled"), "\(build.output.stderr)")
        #expect(build.output.stderr.contains("1 stages: 0 ran, 0 cached"), "\(build.output.stderr)")
        // Stopped, not waited for: the 6 s command never reached its end, and nothing of it is left.
        #expect(seconds < 5, "\(seconds) s after SIGINT")
        #expect(!project.runlog(runlog).contains { $0.hasPrefix("end ") }, "\(project.runlog(runlog))")
        #expect(Processes.matching(command).isEmpty)
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: project.url("store/tmp").path)) ?? []
        #expect(scratch.isEmpty, "\(scratch)")
        #expect(try project.status(Array(arguments.dropFirst()))["cmd.slow"]?.reasons == ["never built"])
    }

    @Test func twoBuildsOfOneKeyRunTheCommandOnce() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let runlog = project.url("runs.log").path
        let arguments = ["build", "cmd-slow", "--set", "cmd.seconds=3", "--set", "cmd.runlog=\(runlog)"]
        let first = try project.start(arguments + ["--results", "results-1"])
        // The second starts while the first's command works (holding the key's lock).
        let working = Processes.waitUntil(timeout: 30) { project.runlog(runlog).contains { $0.hasPrefix("start ") } }
        #expect(working, "\(first.stderr.contents)")
        let second = try project.start(arguments + ["--results", "results-2"])
        #expect(first.wait(timeout: 60) == 0, "\(first.output.stderr)")
        #expect(second.wait(timeout: 60) == 0, "\(second.output.stderr)")
        let lines = project.runlog(runlog)
        #expect(lines.filter { $0.hasPrefix("start ") }.count == 1, "\(lines)")
        #expect(lines.filter { $0.hasPrefix("end ") }.count == 1, "\(lines)")
        #expect(first.output.stderr.contains("1 stages: 1 ran, 0 cached"), "\(first.output.stderr)")
        #expect(second.output.stderr.contains("1 stages: 0 ran, 1 cached"), "\(second.output.stderr)")
        #expect(project.read("results-1/cmd-slow/done.txt") == "done")
        #expect(project.read("results-2/cmd-slow/done.txt") == "done")
    }

    // MARK: Reproducibility check

    @Test func checkRerunsACommandAndComparesItsOutputs() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        #expect(try project.toy("build", "cmd-upper").status == 0)
        let same = try project.toy("check", "cmd-upper")
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        for line in ["env.txt: identical (", "report/: identical (", "upper.txt: identical (24 bytes)",
                     "reproducible: every output of 'cmd-upper' is bit-identical"] {
            #expect(same.stdout.contains(line), "\(same.stdout)")
        }

        #expect(try project.toy("build", "cmd-random").status == 0)
        let stored = try Data(contentsOf: project.url("results/cmd-random/noise.bin"))
        #expect(stored.count == 16)
        let differs = try project.toy("check", "cmd-random")
        #expect(differs.status == 1, "\(differs.stdout)\(differs.stderr)")
        #expect(differs.stdout.contains("noise.bin: DIFFERS: "), "\(differs.stdout)")
        #expect(differs.stdout.contains(" of 16 bytes"), "\(differs.stdout)")
        #expect(!differs.stdout.contains("reproducible: every output"))
        #expect(differs.stderr.contains("'cmd-random' is not reproducible"), "\(differs.stderr)")
        // The check stored nothing: the stored result is the one built.
        let rebuilt = try project.toy("build", "cmd-random")
        #expect(rebuilt.stderr.contains("1 stages: 0 ran, 1 cached"), "\(rebuilt.stderr)")
        #expect(try Data(contentsOf: project.url("results/cmd-random/noise.bin")) == stored)
    }
}
