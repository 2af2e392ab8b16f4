import Cache
import Foundation
import Testing
@testable import Pipeline

/// The cluster executor's pure parts: resources and their sbatch options, the job spec's key
/// check, the job output protocol. (The real cluster is exercised in pipeTests' SlurmTests.)
struct ExecutorTests {
    @Test func resourceOverridesApplyMostSpecificLastAndLeaveOtherSettings() throws {
        let pipeline = try diamond()
        var settings = ["slurm.all.cpus": "2", "slurm.emit.mem": "8G", "slurm.a.mem": "512", "slurm.a.time": "90s",
                        "slurm.join.run": "coordinator", "distill.epochs": "3"]
        let overrides = try ResourceOverrides.extract(from: &settings)
        #expect(settings == ["distill.epochs": "3"])
        #expect(overrides.unknownTargets(in: pipeline).isEmpty)
        let a = overrides.resources(for: pipeline.stage(named: "a")!)
        #expect(a == StageResources(cpus: 2, memoryMB: 512, timeMinutes: 2))
        #expect(overrides.resources(for: pipeline.stage(named: "b")!).memoryMB == 8192)
        #expect(overrides.resources(for: pipeline.stage(named: "ab")!).onCoordinator)
        #expect(overrides.resources(for: pipeline.stage(named: "parity")!) == StageResources(cpus: 2))

        var typo = ["slurm.teacher.mem": "1G"]
        #expect(try ResourceOverrides.extract(from: &typo).unknownTargets(in: pipeline) == ["teacher"])
        for bad in [["slurm.a.mem": "lots"], ["slurm.a.colour": "1"], ["slurm.mem": "1G"], ["slurm.a.time": "0"]] {
            var settings = bad
            #expect(throws: PipelineError.self) { try ResourceOverrides.extract(from: &settings) }
        }
    }

    @Test func resourcesBecomeSbatchOptions() throws {
        let workspace = try Workspace()
        let stage = try diamond().stage(named: "a")!
        let executor = SlurmExecutor(settings: SlurmSettings(partition: "gpu", account: "lab", executable: "/opt/pipe it",
                                                             workingDirectory: "/proj"))
        let key = StageKey.compute(stage, inputs: [:])
        let arguments = executor.arguments(
            stage: stage, key: key,
            command: ["/opt/pipe it", "exec-stage", "a", "--job-spec", JobSpec.url(store: workspace.store, key: key).path],
            output: SlurmExecutor.outputPattern(store: workspace.store, key: key),
            resources: StageResources(cpus: 4, memoryMB: 8192, timeMinutes: 90, gpus: 1))
        for expected in ["--job-name=pipe-\(key.short)", "--comment=\(key.hex)", "--chdir=/proj", "--no-requeue",
                         "--cpus-per-task=4", "--mem=8192M", "--time=90", "--gres=gpu:1", "--partition=gpu",
                         "--account=lab"] {
            #expect(arguments.contains(expected), "\(expected) in \(arguments)")
        }
        #expect(arguments.last == "--wrap=exec '/opt/pipe it' 'exec-stage' 'a' '--job-spec' '\(workspace.store.root.path)/jobs/\(key.hex).json'")
        let plain = executor.arguments(stage: stage, key: key, command: ["/s"], output: URL(fileURLWithPath: "/o"),
                                       resources: .standard)
        #expect(!plain.contains { $0.hasPrefix("--mem") || $0.hasPrefix("--time") || $0.hasPrefix("--gres") })
        #expect(plain.contains("--output=/o"))
    }

    /// With a node-local job store, Slurm writes nowhere the node may lack; the job's shell
    /// creates the log directory and names the file after its job id.
    @Test func jobStoreJobsCreateTheirLogDirectoryOnTheNode() throws {
        let workspace = try Workspace()
        let stage = try diamond().stage(named: "a")!
        let executor = SlurmExecutor(settings: SlurmSettings(executable: "/opt/pipe", workingDirectory: "/proj",
                                                             jobStore: "/tmp/jobs x", remote: "http://cache:8080"))
        let key = StageKey.compute(stage, inputs: [:])
        let output = executor.outputPattern(workspace.store, key: key)
        #expect(output.path == "/tmp/jobs x/logs/slurm/\(key.short)-%j.out")
        let arguments = executor.arguments(stage: stage, key: key, command: ["/opt/pipe", "exec-stage", "a"],
                                           output: output, resources: .standard)
        #expect(arguments.contains("--output=/dev/null"))
        #expect(arguments.last == "--wrap=mkdir -p '/tmp/jobs x/logs/slurm' && exec '/opt/pipe' 'exec-stage' 'a' "
                + ">'/tmp/jobs x/logs/slurm/\(key.short)-'\"$SLURM_JOB_ID\"'.out' 2>&1")
    }

    @Test func inlineJobSpecCarriesRemoteAndUpstreamKeys() throws {
        let workspace = try Workspace()
        let pipeline = try diamond()
        let stage = pipeline.stage(named: "ab")!
        let inputs = ["1": Digest.of(Data("x".utf8)), "2": Digest.of(Data("y".utf8))]
        let upstream = ["a": Digest.of(Data("ka".utf8)), "b": Digest.of(Data("kb".utf8))]
        let request = StageRequest(stage: stage, key: StageKey.compute(stage, inputs: inputs), inputs: inputs,
                                   forced: false, store: workspace.store, upstream: upstream)
        let spec = JobSpec(request, settings: ["k": "v"], jobStore: "/tmp/jobs", remote: "http://cache:8080")
        let decoded = try JobSpec.decode(inline: spec.inline)
        #expect(decoded == spec)
        #expect(decoded.store == "/tmp/jobs" && decoded.remote == "http://cache:8080")
        let rebuilt = try decoded.request(in: pipeline, store: workspace.store, observer: nil, isCancelled: { false })
        #expect(rebuilt.upstream == upstream && rebuilt.key == request.key)
        #expect(throws: JobSpecError.self) { try JobSpec.decode(inline: "not base64!") }
    }

    @Test func jobSpecRefusesAKeyThisPipeDoesNotCompute() throws {
        let workspace = try Workspace()
        let pipeline = try diamond()
        let stage = pipeline.stage(named: "ab")!
        let inputs = ["1": Digest.of(Data("x".utf8)), "2": Digest.of(Data("y".utf8))]
        let request = StageRequest(stage: stage, key: StageKey.compute(stage, inputs: inputs), inputs: inputs,
                                   forced: false, store: workspace.store)
        let url = JobSpec.url(store: workspace.store, key: request.key)
        try JobSpec(request, settings: ["k": "v"]).write(to: url)
        let spec = try JobSpec.read(from: url)
        #expect(spec.settings == ["k": "v"] && spec.store == workspace.store.root.path)
        let rebuilt = try spec.request(in: pipeline, store: workspace.store, observer: nil, isCancelled: { false })
        #expect(rebuilt.key == request.key && rebuilt.inputs == inputs)
        // A node whose pipe defines ab differently (here: another separator) computes another key.
        let other = PipelineBuilder()
        let a = other.stage("a", Emit.self, .init(text: "x")), b = other.stage("b", Emit.self, .init(text: "y"))
        other.stage("ab", Join.self, .init(separator: "-"), inputs: ["1": a["out"], "2": b["out"]])
        #expect {
            try spec.request(in: try other.finish(), store: workspace.store, observer: nil, isCancelled: { false })
        } throws: { "\($0)".contains("pipe on the node differs from the coordinator's; rebuild/redeploy it") }
    }

    @Test func jobOutputLinesRoundTrip() {
        let progress = StageProgress(completed: 3, total: 10, unit: "epoch", detail: "loss 0.5")
        #expect(JobOutput.parse(JobOutput.line(progress: progress)) == .progress(progress))
        #expect(JobOutput.parse(JobOutput.line(log: "hello: world")) == .log("hello: world"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-tail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = [JobOutput.line(log: "started")] + (1...50).map {
            JobOutput.line(progress: StageProgress(completed: Double($0), total: 100, unit: "step"))
        } + ["slurmstepd: error: *** JOB 7 CANCELLED ***"]
        try? Data(lines.joined(separator: "\n").utf8).write(to: file)
        #expect(JobOutput.tail(file.path) == ["started", "progress: step 50.0/100.0", "slurmstepd: error: *** JOB 7 CANCELLED ***"])
        #expect(JobOutput.parse("slurmstepd: error: *** JOB 7 CANCELLED ***") == .log("slurmstepd: error: *** JOB 7 CANCELLED ***"))
    }
}
