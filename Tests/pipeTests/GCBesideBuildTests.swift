import Foundation
import Pipeline
import Testing

/// `pipe gc` run over and over while a build writes to the same store: every stage runs once,
/// every result it records stays whole, and a rebuild finds everything.
struct GCBesideBuildTests {
    @Test func gcInALoopBesideABuildLosesNothing() throws {
        let project = try CommandProject(); defer { project.cleanUp() }
        let width = 40
        let build = try project.start(["build", "cmd-wide", "--set", "cmd.width=\(width)"])
        var rounds = 0
        while !Subprocess.hasExited(build.pid) {
            let gc = try project.toy("gc")
            #expect(gc.status == 0, "\(gc.stderr)")
            rounds += 1
        }
        #expect(build.wait() == 0, "\(build.stderr.contents)")
        #expect(build.stderr.contents.contains("\(width + 1) stages: \(width + 1) ran, 0 cached"), "\(build.stderr.contents)")
        #expect(rounds >= 2, "gc should have run beside the build (it ran \(rounds) times)")

        let all = try String(contentsOf: project.url("results/cmd-wide/all.txt"), encoding: .utf8)
        #expect(all.split(separator: "\n").map { Int($0) } == (0..<width).map { $0 })
        let again = try project.toy("build", "cmd-wide", "--set", "cmd.width=\(width)")
        #expect(again.stderr.contains("\(width + 1) stages: 0 ran, \(width + 1) cached"), "\(again.stderr)")
        let verify = try project.toy("verify")
        #expect(verify.status == 0 && verify.stdout.contains("store is healthy"), "\(verify.stdout)")
        // Past the grace period, what the results name is still kept, and nothing else is left.
        let late = try project.toy("gc", "--grace", "0")
        #expect(late.stdout.contains("removed 0 blobs"), "\(late.stdout)")
    }
}
