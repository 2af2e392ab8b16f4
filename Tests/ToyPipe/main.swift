// A `pipe` whose pipeline is made of toy stages, for tests that need real processes: two builds
// racing on one store, SIGKILL in the middle of a stage, exit codes and messages.
import Foundation
import PipeCommandLine
import Pipeline

/// Writes `text` (from a setting) after sleeping `millis`; fails when `fail` is set.
struct Produce: StageKind {
    struct Params: Codable, Sendable { var text: String; var millis: Int; var fail: Bool }
    static let name = "toy-produce"
    static let summary = "writes a text after a pause"
    static let code = CodeFingerprint(files: ["Tests/ToyPipe/main.swift#Produce": "1"])
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        let steps = max(1, params.millis / 10)
        for step in 0..<steps {
            if context.isCancelled { throw CancellationError() }
            usleep(10_000)
            context.progress(Double(step + 1), of: Double(steps), "step")
        }
        if params.fail { throw StageError.failed("toy failure requested by --set fail=true") }
        context.log("produced \(params.text)")
        // Record every real run, so tests can count them across processes.
        if let path = ProcessInfo.processInfo.environment["TOY_RUN_LOG"] {
            // O_APPEND|O_CREAT: processes (cluster jobs) starting at once never truncate each other's lines.
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
            if fd >= 0 {
                let line = Array("produce \(params.text)\n".utf8)
                _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
        }
        context.write("out", Data(params.text.utf8))
    }
}

/// Joins its inputs' bytes in input-name order.
struct Join: StageKind {
    struct Params: Codable, Sendable { var separator: String }
    static let name = "toy-join"
    static let summary = "joins its inputs"
    static let code = CodeFingerprint(files: ["Tests/ToyPipe/main.swift#Join": "1"])
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        let parts = try context.inputNames.map { String(decoding: try context.input($0), as: UTF8.self) }
        context.write("out", Data(parts.joined(separator: params.separator).utf8))
    }
}

/// Writes `megabytes` of deterministic pseudo-random bytes (incompressible, like weights), for
/// benchmarks and full-disk tests.
struct Noise: StageKind {
    struct Params: Codable, Sendable { var seed: Int; var megabytes: Int }
    static let name = "toy-noise"
    static let summary = "writes pseudo-random bytes"
    static let code = CodeFingerprint(files: ["Tests/ToyPipe/main.swift#Noise": "1"])
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        let words = params.megabytes << 17   // 8-byte words per MB
        var data = Data(count: words * 8)
        data.withUnsafeMutableBytes { raw in
            let out = raw.bindMemory(to: UInt64.self)
            var state = UInt64(truncatingIfNeeded: params.seed) &* 0x9E37_79B9_7F4A_7C15 | 1
            for i in 0..<words {
                // xorshift64*: fast enough in a debug build, and the same bytes on every run.
                state ^= state >> 12; state ^= state << 25; state ^= state >> 27
                out[i] = state &* 0x2545_F491_4F6C_DD1D
            }
        }
        context.write("out", data)
    }
}

/// Concatenates its inputs' bytes in input-name order (binary-safe, unlike Join).
struct Concat: StageKind {
    struct Params: Codable, Sendable {}
    static let name = "toy-concat"
    static let summary = "concatenates its inputs"
    static let code = CodeFingerprint(files: ["Tests/ToyPipe/main.swift#Concat": "1"])
    static let outputs = ["out"]
    static func run(_ params: Params, _ context: StageContext) throws {
        var out = Data()
        for name in context.inputNames { out.append(try context.input(name)) }
        context.write("out", out)
    }
}

/// Holds `megabytes` of touched memory for `millis`, for memory-limit tests on a cluster.
struct Hog: StageKind {
    struct Params: Codable, Sendable { var megabytes: Int; var millis: Int }
    static let name = "toy-hog"
    static let summary = "holds memory for a while"
    static let code = CodeFingerprint(files: ["Tests/ToyPipe/main.swift#Hog": "1"])
    static let outputs = ["out"]
    static let resources = StageResources(memoryMB: 200)
    static func run(_ params: Params, _ context: StageContext) throws {
        var held: [[UInt8]] = []
        for i in 0..<params.megabytes {
            held.append([UInt8](repeating: UInt8(truncatingIfNeeded: i | 1), count: 1 << 20))
            if i % 64 == 0 { context.log("holding \(i) MB") }
        }
        usleep(useconds_t(params.millis) * 1000)
        context.write("out", Data("held \(held.count) MB".utf8))
    }
}

PipeMain.run { p in
    let millis = try p.config.int("millis", 50, "how long each producer sleeps")
    let fail = try p.config.bool("fail", false, "make producer b fail")
    let a = p.stage("a", Produce.self, .init(text: try p.config.string("a.text", "alpha", "text of a"), millis: millis, fail: false))
    let b = p.stage("b", Produce.self, .init(text: "beta", millis: millis, fail: fail))
    // c alone can be made slow, for faults injected while a, b and ab finish.
    let cMillis = try p.config.int("c.millis", -1, "how long c sleeps (-1: as long as millis)")
    let c = p.stage("c", Produce.self, .init(text: "gamma", millis: cMillis < 0 ? millis : cMillis, fail: false))
    let ab = p.stage("ab", Join.self, .init(separator: "+"), inputs: ["1": a["out"], "2": b["out"]])
    let all = p.stage("all", Join.self, .init(separator: " "), inputs: ["1": ab["out"], "2": c["out"]])
    p.target("toy", all, summary: "everything joined")
    p.target("toy-c", c, summary: "just c")
    let hog = p.stage("hog", Hog.self, .init(megabytes: try p.config.int("hog.mb", 1, "MB the hog holds"),
                                             millis: try p.config.int("hog.millis", 3000, "how long the hog holds it")))
    p.target("hog", hog, summary: "holds memory")

    // A wide pipeline for no-op benchmarks: `--set width=200` gives 200 producers and one join.
    let width = try p.config.int("width", 20, "producers in the `wide` target")
    let wideMillis = try p.config.int("wide.millis", 0, "how long each producer of `wide` sleeps (scripts/bench_multinode.sh)")
    var parts: [String: ArtifactRef] = [:]
    for i in 0..<width {
        parts[String(format: "%04d", i)] = p.stage("wide.\(i)", Produce.self, .init(text: "\(i)", millis: wideMillis, fail: false))["out"]
    }
    p.target("wide", p.stage("wide.all", Join.self, .init(separator: ","), inputs: parts), summary: "many small stages joined")

    // Large outputs for transfer benchmarks and full-disk tests: 4 x `bigmb` MB, joined.
    let megabytes = try p.config.int("bigmb", 1, "MB written by each producer of the `big` target")
    var big: [String: ArtifactRef] = [:]
    for i in 0..<4 { big["\(i)"] = p.stage("big.\(i)", Noise.self, .init(seed: i + 1, megabytes: megabytes))["out"] }
    p.target("big", p.stage("big.all", Concat.self, .init(), inputs: big), summary: "large random outputs joined")

    defineCommandStages(p)
    defineWideCommands(p)
    try defineHugeStage(p)
    try defineSweepStages(p)
}

/// `huge`: one output of `--set huge.mb=N` MB of base64 noise (random, yet compressible by a
/// quarter), written by a command so no process holds it in memory: for transfer benchmarks
/// (scripts/bench_transfer.py).
func defineHugeStage(_ p: PipelineBuilder) throws {
    let megabytes = try p.config.int("huge.mb", 1, "MB in the `huge` target's one output")
    let make = p.command("huge", ["sh", "-c", "base64 -w 0 /dev/urandom | head -c \(megabytes)M > huge.bin"],
                         outputs: ["huge.bin"])
    p.target("huge", make, summary: "one large output, for transfer benchmarks")
}

/// `sweep`: a target for `pipe sweep` tests. `sweep.data` depends on sweep.a alone, `sweep.shared`
/// on nothing, and `sweep.score` on both settings: metrics {"score": a * b, "parts": {"a": a}}. A
/// negative sweep.b fails; sweep.sleep makes each score take that many seconds.
func defineSweepStages(_ p: PipelineBuilder) throws {
    let a = try p.config.int("sweep.a", 1, "sweep: the data's number")
    let b = try p.config.int("sweep.b", 1, "sweep: the score's factor (negative: the stage fails)")
    let sleep = try p.config.int("sweep.sleep", 0, "sweep: seconds each score sleeps")
    let data = p.command("sweep.data", ["sh", "-c", "echo \(a) > data.txt"], outputs: ["data.txt"])
    let shared = p.command("sweep.shared", ["sh", "-c", "echo shared > s.txt"], outputs: ["s.txt"])
    let script = """
        sleep \(sleep); if [ \(b) -lt 0 ]; then echo 'sweep.b must be >= 0' >&2; exit 3; fi
        printf '{"score": %d, "parts": {"a": %d}, "note": "text is left out"}' $(( $(cat in/data.txt) * \(b) )) \(a) > metrics.json
        """
    let score = p.command("sweep.score", ["sh", "-c", script],
                          inputs: ["in/data.txt": data["data.txt"], "in/s.txt": shared["s.txt"]],
                          outputs: ["metrics.json"], metrics: ["metrics.json"])
    p.target("sweep", score, summary: "a toy target with metrics, for sweeps")
}

/// `cmd-wide`: `--set cmd.width=200` command stages (`sh -c 'echo N > out.txt'`) and a join, for
/// benchmarks of a command stage's overhead and of no-op builds against DVC (scripts/bench_command_stages.py).
func defineWideCommands(_ p: PipelineBuilder) {
    let width = (try? p.config.int("cmd.width", 20, "command stages in the `cmd-wide` target")) ?? 20
    var parts: [String: ArtifactRef] = [:]
    for i in 0..<width {
        let name = String(format: "part%04d.txt", i)
        parts[name] = p.command("cmd-wide.\(i)", ["sh", "-c", "echo \(i) > out.txt"], outputs: ["out.txt"])["out.txt"]
    }
    let join = p.command("cmd-wide.all", ["sh", "-c", "cat part*.txt > all.txt"], inputs: parts, outputs: ["all.txt"])
    p.target("cmd-wide", join, summary: "many small command stages joined")

    // A directory output read by another command, for transfers (remotes, bundles, Slurm jobs).
    let tree = p.command("cmd-tree.make", ["sh", "-c", "mkdir -p tree/sub && echo \(width) > tree/n && echo deep > tree/sub/d"],
                         outputs: ["tree/"])
    let read = p.command("cmd-tree.read", ["sh", "-c", "cat t/n t/sub/d > both.txt"], inputs: ["t/": tree["tree/"]],
                         outputs: ["both.txt"])
    p.target("cmd-tree", read, summary: "a command reading another's directory output")
}

/// Command stages over a project the test writes into the working directory (scripts/, data/):
/// a Python stage, a shell stage below it, and one target per way a command can fail.
func defineCommandStages(_ p: PipelineBuilder) {
    let c = p.config
    let suffix = (try? c.string("cmd.suffix", "!", "appended to every word by cmd.upper")) ?? "!"
    let mode = (try? c.string("cmd.mode", "plain", "TOY_MODE, a declared variable of cmd.upper")) ?? "plain"
    let seconds = (try? c.double("cmd.seconds", 0, "how long cmd.slow works")) ?? 0
    let upper = p.command("cmd.upper", ["python3", "scripts/upper.py", "--suffix", suffix],
                          files: ["scripts/upper.py", "data/"],
                          inputs: ["alpha.txt": p.stage("cmd.alpha", Produce.self, .init(text: "alpha", millis: 0, fail: false))["out"]],
                          outputs: ["upper.txt", "env.txt", "report/"],
                          environment: ["TOY_MODE": mode], passEnvironment: ["TOY_PASSED"],
                          tools: [CommandTool("toytool", ["sh", "-c", "cat toolversion.txt 2>/dev/null || echo none"])],
                          summary: "upper-cases data/words.txt with python3")
    let count = p.command("cmd.count", .shell("wc -w < in/upper.txt | tr -d ' ' > count.txt; ls in/report > files.txt",
                                              inputs: ["in/upper.txt": upper["upper.txt"], "in/report/": upper["report/"]],
                                              outputs: ["count.txt", "files.txt"]),
                          summary: "counts cmd.upper's words with sh")
    p.target("cmd", count, summary: "a python3 stage and a shell stage below it")
    p.target("cmd-upper", upper, summary: "the python3 stage alone")
    p.target("cmd-fail", p.command("cmd.fail", .shell("echo about to fail; echo 'oops' >&2; exit 3", outputs: ["x"])),
             summary: "exits 3")
    p.target("cmd-missing", p.command("cmd.missing", .shell("echo hi > other.txt", outputs: ["wanted.txt"])),
             summary: "exits 0 without its output")
    // Writes partial.txt, then succeeds only once the file at cmd.flag (outside the key) exists.
    let flag = (try? c.string("cmd.flag", "/nonexistent/pipe-toy-flag", "cmd.flaky succeeds once this file exists")) ?? ""
    p.target("cmd-flaky", p.command("cmd.flaky", .shell("echo partial > partial.txt; test -e '\(flag)' && echo done > out.txt",
                                                        outputs: ["out.txt"])),
             summary: "fails until the file at cmd.flag exists, leaving partial.txt")
    p.target("cmd-escape", p.command("cmd.escape", .shell("ln -s /etc/hostname out.txt", outputs: ["out.txt"])),
             summary: "its output is a symlink out of its directory")
    p.target("cmd-noprog", p.command("cmd.noprog", ["pipe-no-such-program", "x"], outputs: ["x"]),
             summary: "its program does not exist")
    p.target("cmd-notool", p.command("cmd.notool", ["true"], outputs: ["x"],
                                     tools: [CommandTool("missing-tool", ["sh", "-c", "exit 9"], install: "apt-get install missing-tool")]),
             summary: "its tool identity fails")
    let quiet = (try? c.bool("cmd.quiet", false, "cmd.slow prints nothing while it works")) ?? false
    // An absolute path outside the stage's directory, given in argv (so part of the key): slow.py
    // appends "start PID" and "end PID" to it, for tests counting runs across pipe processes.
    let runlog = (try? c.string("cmd.runlog", "", "file cmd.slow appends its start and end to (empty: none)")) ?? ""
    p.target("cmd-slow", p.command("cmd.slow", ["python3", "scripts/slow.py", "\(seconds)"] + (quiet ? ["quiet"] : [])
                                       + (runlog.isEmpty ? [] : ["--runlog", runlog]),
                                   files: ["scripts/slow.py"],
                                   outputs: ["done.txt"]),
             summary: "works for cmd.seconds, printing progress")

    // Tries to change every kind of input it has (a project directory, an upstream file output,
    // an upstream directory output): writable again, appended to, then deleted. What it saw is
    // its output; the project and the store must not change.
    let alpha = p.stage("cmd.alpha", Produce.self, .init(text: "alpha", millis: 0, fail: false))
    p.target("cmd-tamper", p.command("cmd.tamper", .shell(
        "chmod -R u+w data in 2>/dev/null; for f in data/words.txt in/alpha.txt in/report/n.txt; do "
            + "echo TAMPERED >> \"$f\"; done; cat data/words.txt in/alpha.txt in/report/n.txt > seen.txt; rm -rf data in",
        files: ["data/"], inputs: ["in/alpha.txt": alpha["out"], "in/report/": upper["report/"]],
        outputs: ["seen.txt"])),
             summary: "writes into and deletes its inputs")
    // Not reproducible: 16 random bytes on every run, for `pipe check`.
    p.target("cmd-random", p.command("cmd.random", ["python3", "-c", "import os; open('noise.bin', 'wb').write(os.urandom(16))"],
                                     outputs: ["noise.bin"]),
             summary: "writes random bytes")
    // Its output is a symlink to a path outside its directory that does not exist.
    p.target("cmd-dangle", p.command("cmd.dangle", .shell("ln -s /nonexistent/pipe-toy-target out.txt", outputs: ["out.txt"])),
             summary: "its output is a dangling symlink out of its directory")
}
