import Foundation
import Pipeline
import Testing

/// `pipe sweep` and `pipe runs` on ToyPipe's `sweep` target: sweep.data depends on sweep.a,
/// sweep.shared on nothing, sweep.score (metrics {"score": a * b}) on both.
@Suite struct SweepTests {
    /// The table's rows (stdout) by their grid values, e.g. "1,2" for a=1, b=2.
    func rows(_ output: CommandRunner.Output) -> [String: [String]] {
        let lines = output.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        var rows: [String: [String]] = [:]
        for line in lines.dropFirst() where line.count >= 2 { rows["\(line[0]),\(line[1])"] = line }
        return rows
    }

    @Test func aGridBuildsTheUnionOfItsPointsOnceAndResumes() throws {
        let project = try CommandProject()
        defer { project.cleanUp() }
        let grid = ["sweep", "sweep", "--grid", "sweep.a=1,2", "--grid", "sweep.b=1,2,3"]

        let plan = try project.toy(grid + ["--dry-run"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr.contains("6 points; 9 stages in all, against 18 built one point at a time (50% fewer); 9 to run"),
                "\(plan.stderr)")

        let first = try project.toy(grid)
        #expect(first.status == 0, "\(first.stderr)")
        // One shared stage, one data stage per a, one score per point: 1 + 2 + 6.
        let started = CommandProject.started(first)
        #expect(started.count == 9, "\(started.sorted())")
        #expect(started.filter { $0.hasPrefix("sweep.data") }.count == 2)
        #expect(started.filter { $0.hasPrefix("sweep.shared") }.count == 1)
        let table = rows(first)
        #expect(first.stdout.hasPrefix("sweep.a  sweep.b  parts.a  score  status"), "\(first.stdout)")
        #expect(table.count == 6)
        for a in 1...2 {
            for b in 1...3 { #expect(table["\(a),\(b)"] == ["\(a)", "\(b)", "\(a)", "\(a * b)", "ok"]) }
        }
        let csv = try #require(project.read("results/sweep/sweep.csv"))
        #expect(csv.hasPrefix("sweep.a,sweep.b,parts.a,score,status\n1,1,1,1,ok\n1,2,1,2,ok\n"), "\(csv)")

        // The figure: the default metric (no *.mean here, so the first, parts.a) against sweep.a.
        let svg = try #require(project.read("results/sweep/sweep.svg"))
        #expect(svg.contains("sweep: parts.a by sweep.a"))

        let again = try project.toy(grid + ["--metric", "score"])
        #expect(again.status == 0)
        // --metric score: a line per value of sweep.b, a point per point of the grid.
        let scores = try #require(project.read("results/sweep/sweep.svg"))
        #expect(scores.components(separatedBy: "<polyline").count - 1 == 3)
        #expect(scores.components(separatedBy: "<circle").count - 1 == 6)
        #expect(scores.contains("data-value=\"6\"") && scores.contains("sweep.b=3"))
        // Two axes: the heat map, a cell per point, the darkest for the highest score.
        let map = try #require(project.read("results/sweep/sweep-heatmap.svg"))
        #expect(map.contains("sweep: score by sweep.a and sweep.b"))
        #expect(map.components(separatedBy: "data-value=").count - 1 == 6)
        #expect(map.contains("fill=\"#084594\" stroke=\"white\" data-value=\"6\""), "\(map)")
        #expect(map.contains("fill=\"#ecf3fa\" stroke=\"white\" data-value=\"1\""), "\(map)")
        #expect(CommandProject.started(again).isEmpty, "a second sweep is a no-op: \(again.stderr)")
        #expect(rows(again) == table)

        // One more value of b: only the two new points' scores run.
        let wider = try project.toy(["sweep", "sweep", "--grid", "sweep.a=1,2", "--grid", "sweep.b=1,2,3,4"])
        #expect(wider.status == 0)
        #expect(CommandProject.started(wider).count == 2, "\(CommandProject.started(wider).sorted())")
        #expect(rows(wider)["2,4"]?[3] == "8")
    }

    @Test func aFailingPointIsReportedWhileTheOthersFinish() throws {
        let project = try CommandProject()
        defer { project.cleanUp() }
        let output = try project.toy(["sweep", "sweep", "--grid", "sweep.b=-1,2,3", "--set", "sweep.a=5"])
        #expect(output.status != 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(output.stdout)")
        #expect(lines.contains { $0.hasPrefix("-1") && $0.contains("failed: stage") && $0.contains(".failed.log)") },
                "\(output.stdout)")
        #expect(lines.contains { $0.hasPrefix("2") && $0.contains("10") && $0.hasSuffix("ok") })
        #expect(lines.contains { $0.hasPrefix("3") && $0.contains("15") && $0.hasSuffix("ok") })
        #expect(output.stderr.contains("1 of 3 points failed"), "\(output.stderr)")

        let stopped = try project.toy(["sweep", "sweep", "--grid", "sweep.b=-2,4", "--set", "sweep.a=5", "--stop-on-failure"])
        #expect(stopped.status != 0)
        #expect(stopped.stderr.contains("points failed"), "\(stopped.stderr)")
    }

    @Test func aKilledSweepResumesWhereItStopped() throws {
        let project = try CommandProject()
        defer { project.cleanUp() }
        let grid = ["sweep", "sweep", "--grid", "sweep.b=1,2,3,4", "--set", "sweep.sleep=1"]
        let running = try project.start(grid)
        // Wait until the first score is stored, then kill the sweep outright.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !((try? String(contentsOf: running.stderr.url, encoding: .utf8)) ?? "").contains("done in") {
            usleep(50_000)
        }
        running.signal(SIGKILL)
        #expect(running.wait() == 128 + SIGKILL)
        let resumed = try project.toy(grid)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let started = CommandProject.started(resumed)
        #expect(!started.isEmpty && started.count < 6, "what finished before the kill is not rerun: \(started.sorted())")
        #expect(resumed.stdout.split(separator: "\n").count == 5)
    }

    @Test func runsListsExactlyWhatIsStored() throws {
        let project = try CommandProject()
        defer { project.cleanUp() }
        let empty = try project.toy(["runs", "sweep"])
        #expect(empty.status == 0 && empty.stderr.contains("no stored runs of sweep yet"))
        #expect(try project.toy(["sweep", "sweep", "--grid", "sweep.a=1,2", "--grid", "sweep.b=2,3"]).status == 0)
        #expect(try project.toy(["build", "sweep", "--set", "sweep.a=7"]).status == 0)
        #expect(try project.toy(["sweep", "sweep", "--grid", "sweep.b=-1", "--set", "sweep.a=9"]).status != 0)

        let runs = try project.toy(["runs", "sweep", "--csv", "--sort", "score", "--descending"])
        #expect(runs.status == 0, "\(runs.stderr)")
        let lines = runs.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(lines.first == ["sweep.a", "sweep.b", "parts.a", "score", "built", "key"])
        // Four sweep points and one build; the failed point is not stored, so not listed.
        #expect(lines.dropFirst().map { Array($0.prefix(4)) } == [
            ["7", "1", "7", "7"], ["2", "3", "2", "6"], ["2", "2", "2", "4"], ["1", "3", "1", "3"], ["1", "2", "1", "2"],
        ], "\(runs.stdout)")
        let filtered = try project.toy(["runs", "sweep", "--where", "sweep.a=2", "--csv"])
        #expect(filtered.stdout.split(separator: "\n").count == 3)
        let bad = try project.toy(["runs", "sweep", "--sort", "nope"])
        #expect(bad.status != 0 && bad.stderr.contains("no column 'nope'"))

        // Forgetting a result takes its run off the list.
        #expect(try project.toy(["invalidate", "sweep.score", "--set", "sweep.a=7"]).status == 0)
        let after = try project.toy(["runs", "sweep", "--csv"])
        #expect(after.stdout.split(separator: "\n").count == 5, "\(after.stdout)")
    }

    /// `pipe sweep --remote R --push` uploads every point's results and runs: another store lists
    /// them and sweeps the same grid without running anything.
    @Test func aSweepPushedToARemoteIsReusedFromAnotherStore() throws {
        let project = try CommandProject()
        defer { project.cleanUp() }
        let remote = project.url("remote").path
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let grid = ["--grid", "sweep.a=1,2", "--grid", "sweep.b=3,4"]
        #expect(try project.toy(["sweep", "sweep", "--push"] + grid).status != 0)  // --push needs --remote
        let pushed = try project.toy(["sweep", "sweep", "--store", "one", "--remote", remote, "--push"] + grid)
        #expect(pushed.status == 0, "\(pushed.stderr)")
        let listed = try project.toy(["runs", "sweep", "--store", "two", "--remote", remote, "--csv", "--sort", "score"])
        let scores = listed.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(scores.map { $0[3] } == ["3", "4", "6", "8"] && scores.allSatisfy { $0.last == "remote" }, "\(listed.stdout)")
        let again = try project.toy(["sweep", "sweep", "--store", "two", "--remote", remote] + grid)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("0 ran"), "\(again.stderr)")
    }

    @Test func runsPushedToARemoteAreListedFromAnotherStore() throws {
        let project = try CommandProject()
        defer { project.cleanUp() }
        let remote = project.url("remote").path
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        #expect(try project.toy(["build", "sweep", "--set", "sweep.a=3", "--store", "one"]).status == 0)
        let pushed = try project.toy(["push", "sweep", "--set", "sweep.a=3", "--store", "one", "--remote", remote])
        #expect(pushed.status == 0 && pushed.stdout.contains("the remote lists 1 runs of sweep"), "\(pushed.stdout) \(pushed.stderr)")
        let built = try project.toy(["build", "sweep", "--set", "sweep.a=4", "--store", "one", "--remote", remote, "--push"])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(try project.toy(["build", "sweep", "--set", "sweep.a=5", "--store", "two"]).status == 0)

        let listed = try project.toy(["runs", "sweep", "--store", "two", "--remote", remote, "--csv", "--sort", "score"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let lines = listed.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(lines.first == ["sweep.a", "parts.a", "score", "built", "key", "from"])
        #expect(lines.dropFirst().map { [$0[0], $0[2], $0[5]] } == [["3", "3", "remote"], ["4", "4", "remote"], ["5", "5", "here"]],
                "\(listed.stdout)")
        // Without --remote, store two lists its own run only: pulling results records no runs.
        let local = try project.toy(["runs", "sweep", "--store", "two", "--csv"])
        #expect(local.stdout.split(separator: "\n").count == 2, "\(local.stdout)")
    }
}
