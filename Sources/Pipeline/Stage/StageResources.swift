import Foundation

/// What one run of a stage needs from a cluster: mapped to sbatch's --cpus-per-task, --mem,
/// --time and --gres. Local builds ignore it.
///
/// Each kind declares defaults (`StageKind.resources`); the user overrides them per stage, per
/// kind or for all stages with `--set slurm.<stage|kind|all>.<field>=VALUE`, the most specific
/// winning. Fields: cpus, mem (megabytes, or with M/G), time (minutes, or with s/m/h; Slurm
/// counts whole minutes, so it is rounded up), gpus, run (cluster|coordinator).
public struct StageResources: Sendable, Equatable {
    public var cpus: Int
    /// Megabytes; nil leaves it to the partition's default (DefMemPerCPU).
    public var memoryMB: Int?
    /// Whole minutes; nil leaves it to the partition's default.
    public var timeMinutes: Int?
    public var gpus: Int
    /// Tiny stages (load a file, draw a figure) run in the coordinator, not as a job: a batch job
    /// costs seconds of scheduling for milliseconds of work.
    public var onCoordinator: Bool

    public init(cpus: Int = 1, memoryMB: Int? = nil, timeMinutes: Int? = nil, gpus: Int = 0,
                onCoordinator: Bool = false) {
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.timeMinutes = timeMinutes
        self.gpus = gpus
        self.onCoordinator = onCoordinator
    }

    /// The default of kinds that declare nothing: one core, the partition's memory and time.
    public static let standard = StageResources()
    /// For kinds whose work is too small to be worth a batch job.
    public static let coordinator = StageResources(onCoordinator: true)

    /// The fields an override may set.
    public static let fields = ["cpus", "mem", "time", "gpus", "run"]

    /// Applies one `field=value` override; throws a message naming the expected form.
    public mutating func set(_ field: String, _ value: String) throws {
        let text = value.trimmingCharacters(in: .whitespaces)
        switch field {
        case "cpus":
            guard let n = Int(text), n >= 1 else { throw Invalid(field: field, value: value, expected: "a whole number >= 1") }
            cpus = n
        case "gpus":
            guard let n = Int(text), n >= 0 else { throw Invalid(field: field, value: value, expected: "a whole number >= 0") }
            gpus = n
        case "mem":
            guard let mb = Self.megabytes(text) else {
                throw Invalid(field: field, value: value, expected: "megabytes, e.g. 512, 512M or 8G")
            }
            memoryMB = mb
        case "time":
            guard let minutes = Self.minutes(text) else {
                throw Invalid(field: field, value: value, expected: "minutes, e.g. 30, 90s, 45m or 2h")
            }
            timeMinutes = minutes
        case "run":
            switch text {
            case "coordinator": onCoordinator = true
            case "cluster": onCoordinator = false
            default: throw Invalid(field: field, value: value, expected: "cluster or coordinator")
            }
        default:
            throw Invalid(field: field, value: value, expected: "one of the fields " + Self.fields.joined(separator: ", "))
        }
    }

    static func megabytes(_ text: String) -> Int? {
        let upper = text.uppercased()
        if let n = Int(upper), n > 0 { return n }
        guard let unit = upper.last, let n = Int(upper.dropLast()), n > 0 else { return nil }
        switch unit { case "M": return n; case "G": return n * 1024; case "T": return n * 1024 * 1024; default: return nil }
    }

    static func minutes(_ text: String) -> Int? {
        if let n = Int(text), n > 0 { return n }
        guard let unit = text.last, let n = Int(text.dropLast()), n > 0 else { return nil }
        switch unit {
        case "s": return (n + 59) / 60
        case "m": return n
        case "h": return n * 60
        default: return nil
        }
    }

    /// A bad override value.
    public struct Invalid: Error, CustomStringConvertible {
        public let field: String, value: String, expected: String
        public var description: String { "resource '\(field)=\(value)': expected \(expected)" }
    }
}
