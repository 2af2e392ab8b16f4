import Foundation
import Testing

/// Remote caches against a real nginx (WebDAV PUT): push from one store, pull into another,
/// build with nothing run. Skipped, with the reason, only when nginx is not installed.
@Suite(.serialized, .enabled(if: NginxServer.unavailableReason == nil, Comment(rawValue: NginxServer.unavailableReason ?? "")))
struct RemoteCommandTests {
    @Test func pushThenPullIntoAnEmptyStoreRunsNothing() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let build = try cli.toy("build", "toy", "--store", "one")
        #expect(build.status == 0, "\(build.stderr)")
        let push = try cli.toy("push", "toy", "--store", "one", "--remote", server.url)
        #expect(push.status == 0, "\(push.stderr)")
        #expect(push.stdout.contains("pushed 5 results"))
        #expect(push.stderr.contains("pipe: remote: pushed "))  // 9 or 10 blobs: two join logs may be equal
        #expect(try server.integrityProblems().isEmpty)

        let pull = try cli.toy("pull", "toy", "--store", "two", "--remote", server.url)
        #expect(pull.status == 0, "\(pull.stderr)")
        #expect(pull.stdout.contains("5 of 5 results present locally"))
        let rebuilt = try cli.toy("build", "toy", "--store", "two")
        #expect(rebuilt.stderr.contains("5 stages: 0 ran, 5 cached"), "\(rebuilt.stderr)")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/toy/out"), encoding: .utf8)
                == "alpha+beta gamma")
    }

    @Test func buildReadsAndWritesThrough() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let first = try cli.toy("build", "toy", "--store", "one", "--remote", server.url, "--push")
        #expect(first.stderr.contains("5 stages: 5 ran, 0 cached"), "\(first.stderr)")
        #expect(server.actionCount == 5)
        let status = try cli.toy("status", "toy", "--store", "two", "--remote", server.url)
        #expect(status.stdout.contains("(on remote)"), "\(status.stdout)")
        let second = try cli.toy("build", "toy", "--store", "two", "--remote", server.url)
        #expect(second.stderr.contains("5 stages: 0 ran, 5 cached"), "\(second.stderr)")
        #expect(second.stderr.contains("pipe: remote: pulled"))
        let verify = try cli.toy("verify", "--store", "two")
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    /// Results stored locally before --push (or by a build killed before it pushed) are pushed
    /// by the next build with --push, which finds them cached.
    @Test func pushUploadsResultsFoundLocally() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        #expect(try cli.toy("build", "toy", "--store", "one").status == 0)
        #expect(server.actionCount == 0)
        let pushed = try cli.toy("build", "toy", "--store", "one", "--remote", server.url, "--push")
        #expect(pushed.stderr.contains("5 stages: 0 ran, 5 cached"), "\(pushed.stderr)")
        #expect(server.actionCount == 5)
        let fresh = try cli.toy("build", "toy", "--store", "two", "--remote", server.url)
        #expect(fresh.stderr.contains("5 stages: 0 ran, 5 cached"), "\(fresh.stderr)")
    }

    @Test func namedRemotesAndBundles() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        #expect(try cli.toy("remote", "add", "team", server.url).status == 0)
        #expect(try cli.toy("remote", "add", "shared", "./shared-cache").status == 0)
        let list = try cli.toy("remote", "list")
        #expect(list.stdout.contains("team\t\(server.url)"))
        #expect(list.stdout.contains("shared\t\(cli.directory.appendingPathComponent("shared-cache").path)"))
        #expect(try cli.toy("build", "toy", "--remote", "shared", "--push").status == 0)
        #expect(try cli.toy("push", "toy", "--remote", "team").status == 0)
        // The directory remote has the same layout as the HTTP one.
        let shared = try FileManager.default.contentsOfDirectory(atPath: cli.directory.appendingPathComponent("shared-cache/ac").path)
        #expect(shared.count == 6)  // 5 results, and the list of runs of the target (RemoteRuns)
        #expect(try cli.toy("remote", "remove", "shared").status == 0)
        #expect(!(try cli.toy("remote", "list").stdout.contains("shared")))

        let export = try cli.toy("export", "toy", "-o", "toy.tar.zst")
        #expect(export.status == 0, "\(export.stderr)")
        let imported = try cli.toy("import", "toy.tar.zst", "--store", "fresh")
        #expect(imported.stdout.contains("imported 5 results"), "\(imported.stderr)")
        let build = try cli.toy("build", "toy", "--store", "fresh")
        #expect(build.stderr.contains("5 stages: 0 ran, 5 cached"), "\(build.stderr)")
        // A damaged bundle is refused with a clear message, and stores nothing.
        var bytes = try Data(contentsOf: cli.directory.appendingPathComponent("toy.tar.zst"))
        bytes.removeLast(bytes.count / 3)
        try bytes.write(to: cli.directory.appendingPathComponent("cut.tar.zst"))
        let cut = try cli.toy("import", "cut.tar.zst", "--store", "other")
        #expect(cut.status == 1)
        #expect(cut.stderr.contains("is not a usable pipe bundle"), "\(cut.stderr)")
    }

    @Test func serverErrorsAreRetriedThenReported() throws {
        let server = try NginxServer()
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let pull = try cli.toy(["pull", "toy", "--remote", server.url + "/unavailable"], environment: ["PIPE_REMOTE_ATTEMPTS": "3"])
        #expect(pull.status == 1)
        #expect(pull.stderr.contains("answered HTTP 503 after 3 attempts"), "\(pull.stderr)")
        let log = try String(contentsOf: server.directory.appendingPathComponent("logs/access.log"), encoding: .utf8)
        #expect(log.split(separator: "\n").filter { $0.contains("/unavailable/ac/") }.count == 3)
    }
}
