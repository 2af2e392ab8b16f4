import Cache
import Foundation
import Testing

/// `pipe build --executor slurm` on the real one-node cluster of scripts/slurm-test-cluster, with
/// the toy stages of ToyPipe (seconds each). Serialized: the node has 2 CPUs, and one test takes
/// it down. The fault and coordinator tests are in SlurmFaultTests.swift and
/// SlurmCoordinatorTests.swift.
///
/// Each test has 10 minutes (the slowest, TIMEOUT, takes about 2): a hang fails that test rather
/// than the CI job. The limit only cancels the test's task; the helpers that wait on processes
/// and the cluster notice the cancellation and kill what they wait for (CommandRunner.wait).
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled(if: SlurmCluster.unavailableReason == nil, Comment(rawValue: SlurmCluster.unavailableReason ?? "")))
struct SlurmTests {
    static let expected = "alpha+beta gamma"

    var cluster: SlurmCluster { get throws { try SlurmCluster.shared.get() } }

    /// `ToyPipe build ARGS` as a coordinator on the cluster.
    func build(_ cli: CommandRunner, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandRunner.Output {
        try cli.toy(["build"] + arguments, environment: try cluster.environment.merging(environment) { $1 })
    }

    /// The number just before `suffix` in `text` ("5 jobs submitted" -> 5).
    func number(before suffix: String, in text: String) -> Int? {
        guard let range = text.range(of: suffix) else { return nil }
        return Int(String(text[..<range.lowerBound].reversed().prefix(while: \.isNumber).reversed()))
    }

    /// Stage name -> (key, outputs) of every record in the store at `path`.
    func records(_ cli: CommandRunner, store path: String) throws -> [String: String] {
        try storedRecords(cli, store: path).mapValues(\.result)
    }

    func runs(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// A sweep's union on the cluster: each distinct stage one job, named and set up as in its
    /// point's pipeline on the node (StageOrigin), the same table as a local sweep.
    @Test func aSweepRunsEachDistinctStageAsOneJob() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let grid = ["sweep", "sweep", "--grid", "sweep.a=1,2", "--grid", "sweep.b=2,3", "--store", "cluster"]
        let swept = try cli.toy(grid, environment: try cluster.environment)
        #expect(swept.status == 0, "\(swept.stderr)")
        // One shared stage, one data stage per a, one score per point: 1 + 2 + 4.
        #expect(swept.stderr.contains("slurm: 7 jobs submitted, 0 adopted"), "\(swept.stderr)")
        let local = try cli.toy(grid.dropLast(2) + ["--store", "local"])
        #expect(local.status == 0)
        #expect(swept.stdout == local.stdout, "\(swept.stdout) vs \(local.stdout)")
        #expect(swept.stdout.contains("2        3        2        6      ok"), "\(swept.stdout)")
    }

    @Test func toyTargetThroughSlurmIsStoredCachedAndBitIdenticalToLocal() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let started = Date()
        let first = try build(cli, ["toy", "--store", "cluster"])
        let seconds = Date().timeIntervalSince(started)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("slurm: 5 jobs submitted, 0 adopted"), "\(first.stderr)")
        #expect(first.stderr.contains("5 stages: 5 ran, 0 cached"), "\(first.stderr)")
        // One squeue call per interval for all jobs, not one per job and interval.
        let polls = number(before: " squeue polls", in: first.stderr) ?? .max
        #expect(Double(polls) <= seconds / 0.3 + 3, "\(polls) polls in \(seconds) s")
        // Progress and log lines of the jobs reached the coordinator's display.
        #expect(first.stderr.contains("a: produced alpha"), "\(first.stderr)")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/toy/out"), encoding: .utf8)
                == Self.expected)

        let second = try build(cli, ["toy", "--store", "cluster"])
        #expect(second.status == 0)
        #expect(second.stderr.contains("slurm: 0 jobs submitted, 0 adopted, 0 squeue polls"), "\(second.stderr)")
        #expect(second.stderr.contains("5 stages: 0 ran, 5 cached"), "\(second.stderr)")

        let local = try cli.toy("build", "toy", "--store", "local")
        #expect(local.status == 0)
        let onCluster = try records(cli, store: "cluster"), onLocal = try records(cli, store: "local")
        #expect(onCluster.count == 5)
        #expect(onCluster == onLocal)
        // Each stage's log came back into the store, as for a local build.
        let log = try cli.toy("show", "a", "--log", "--store", "cluster")
        #expect(log.stdout.contains("produced alpha"), "\(log.stdout)")
        #expect(try cli.toy("verify", "--store", "cluster").status == 0)
    }

    @Test func earlyCutoffAcrossJobsAndRerunAfterFailureSubmitsOnlyWhatIsMissing() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let first = try build(cli, ["toy", "--set", "millis=20"])
        #expect(first.stderr.contains("slurm: 5 jobs submitted"), "\(first.stderr)")
        // a, b and c rerun under new keys and reproduce their bytes: ab and all are not submitted.
        let cutoff = try build(cli, ["toy", "--set", "millis=30"])
        #expect(cutoff.status == 0, "\(cutoff.stderr)")
        #expect(cutoff.stderr.contains("slurm: 3 jobs submitted"), "\(cutoff.stderr)")
        #expect(cutoff.stderr.contains("5 stages: 3 ran, 2 cached"), "\(cutoff.stderr)")

        // b fails on the node: its job id, state and log tail are reported; ab and all skipped.
        let failed = try build(cli, ["toy", "--set", "millis=40", "--set", "fail=true"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("stage 'b'"), "\(failed.stderr)")
        #expect(failed.stderr.contains("Slurm job"), "\(failed.stderr)")
        #expect(failed.stderr.contains("ended FAILED"), "\(failed.stderr)")
        #expect(failed.stderr.contains("toy failure requested"), "\(failed.stderr)")
        #expect(failed.stderr.contains("ab: skipped"), "\(failed.stderr)")
        // Rerun: a and c are stored; only b is submitted, and ab, all come back by early cutoff.
        let rerun = try build(cli, ["toy", "--set", "millis=40"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("slurm: 1 jobs submitted"), "\(rerun.stderr)")
        #expect(rerun.stderr.contains("5 stages: 1 ran, 4 cached"), "\(rerun.stderr)")
        #expect(try String(contentsOf: cli.directory.appendingPathComponent("results/toy/out"), encoding: .utf8)
                == Self.expected)
    }

    @Test func executorSettingsComeFromFlagsThenEnvironmentThenFile() throws {
        let cli = try CommandRunner(); defer { cli.cleanUp() }
        let cluster = try self.cluster
        let environment = ["SLURM_CONF": cluster.conf, "PIPE_SLURM_POLL": "0.3"]
        let config = cli.directory.appendingPathComponent(".pipe")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try Data(#"{"executor": "slurm", "partition": "nosuch"}"#.utf8).write(to: config.appendingPathComponent("executor.json"))
        // The file chooses Slurm and a partition the cluster lacks: sbatch's refusal is reported.
        let refused = try cli.toy(["build", "toy-c"], environment: environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("stage 'c'") && refused.stderr.contains("could not submit a Slurm job"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nosuch") && refused.stderr.contains("invalid partition"), "\(refused.stderr)")
        // The environment overrides the file, and a flag the environment.
        let flagged = try cli.toy(["build", "toy-c", "--partition", "alsonot"],
                                  environment: environment.merging(["PIPE_SLURM_PARTITION": "debug"]) { $1 })
        #expect(flagged.stderr.contains("alsonot"), "\(flagged.stderr)")
        let viaEnv = try cli.toy(["build", "toy-c"], environment: environment.merging(["PIPE_SLURM_PARTITION": "debug"]) { $1 })
        #expect(viaEnv.status == 0, "\(viaEnv.stderr)")
        #expect(viaEnv.stderr.contains("slurm: 1 jobs submitted"), "\(viaEnv.stderr)")
        // The file's resources: c runs on the coordinator, unless --set sends it to the cluster.
        try Data(#"{"executor": "slurm", "resources": {"c": {"run": "coordinator"}}}"#.utf8)
            .write(to: config.appendingPathComponent("executor.json"))
        let onCoordinator = try cli.toy(["build", "toy-c", "--set", "c.millis=7"], environment: environment)
        #expect(onCoordinator.stderr.contains("slurm: 0 jobs submitted") && onCoordinator.stderr.contains("1 ran"),
                "\(onCoordinator.stderr)")
        let onCluster = try cli.toy(["build", "toy-c", "--set", "c.millis=8", "--set", "slurm.c.run=cluster"],
                                    environment: environment)
        #expect(onCluster.stderr.contains("slurm: 1 jobs submitted") && onCluster.stderr.contains("1 ran"),
                "\(onCluster.stderr)")
        // --executor local wins over the file: no Slurm at all.
        let local = try cli.toy(["build", "toy", "--executor", "local"], environment: environment)
        #expect(local.status == 0 && !local.stderr.contains("slurm:"), "\(local.stderr)")
        #expect(local.stderr.contains("5 stages: 4 ran, 1 cached"), "\(local.stderr)")
    }
}
