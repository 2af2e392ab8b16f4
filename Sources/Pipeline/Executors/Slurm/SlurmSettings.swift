import Foundation

/// How a build uses Slurm: where jobs go and how the coordinator watches them.
public struct SlurmSettings: Sendable {
    /// sbatch --partition; nil: the cluster's default partition.
    public var partition: String?
    /// sbatch --account; nil: the user's default account.
    public var account: String?
    /// Seconds between squeue polls (one call for all of the build's jobs).
    public var pollInterval: TimeInterval
    /// The pipe executable as the nodes run it (the same binary as the coordinator's).
    public var executable: String
    /// The directory jobs start in: the project's, so relative file inputs resolve as here.
    public var workingDirectory: String
    /// The `--set` pipeline settings, passed to each job so it builds the same pipeline.
    public var settings: [String: String]
    /// `--set slurm.*` resource overrides.
    public var resources: ResourceOverrides
    /// `--job-store`: a store path local to each node; jobs pull their inputs from `remote` into
    /// it and push their results back, so nodes share no file system with the coordinator.
    /// Nil: jobs open the coordinator's store (which must be on a shared file system).
    public var jobStore: String?
    /// The remote jobs share results through (its location, no credentials); set with `jobStore`.
    public var remote: String?
    /// Seconds Slurm's clients (squeue, scontrol) may keep failing, or not answer, before the
    /// stages whose jobs they watch fail: a restarting slurmctld is waited for, a cluster that
    /// is gone (or a wrong SLURM_CONF) is reported.
    public var unreachableTimeout: TimeInterval
    /// How many times a stage whose job the cluster lost (its node failed, or it was
    /// preempted) is submitted again; a job that fails on its own is not (it would again).
    public var retries = 0

    public init(partition: String? = nil, account: String? = nil, pollInterval: TimeInterval = 5,
                executable: String, workingDirectory: String, settings: [String: String] = [:],
                resources: ResourceOverrides = ResourceOverrides(), jobStore: String? = nil, remote: String? = nil,
                unreachableTimeout: TimeInterval = 300) {
        self.partition = partition
        self.account = account
        self.pollInterval = pollInterval
        self.executable = executable
        self.workingDirectory = workingDirectory
        self.settings = settings
        self.resources = resources
        self.jobStore = jobStore
        self.remote = remote
        self.unreachableTimeout = unreachableTimeout
    }
}
