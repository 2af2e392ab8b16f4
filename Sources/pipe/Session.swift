import ArgumentParser
import Cache
import Foundation
import Pipeline

/// The pipeline (with the command line's settings applied) and the store, opened once per command.
struct Session {
    let pipeline: PipelineDefinition
    let options: GlobalOptions
    /// The `--set` pipeline settings (without the `slurm.*` resource overrides).
    let settings: [String: String]
    /// `--set slurm.<stage|kind|all>.<field>=VALUE`: cluster resources, not pipeline settings.
    let resources: ResourceOverrides

    /// `needs`: the targets or stages the command works on, so that targets declared with a
    /// closure and not needed are never defined (nil or empty: every target).
    init(_ options: GlobalOptions, needs: [String]? = nil) throws {
        var settings = try Config.parseOverrides(options.settings)
        let resources = try ResourceOverrides.extract(from: &settings)
        try self.init(options, settings: settings, resources: resources, needs: needs)
    }

    /// The pipeline built with exactly `settings` (a cluster job rebuilding its coordinator's).
    init(_ options: GlobalOptions, settings: [String: String], resources: ResourceOverrides = ResourceOverrides(),
         needs: [String]? = nil) throws {
        self.options = options
        self.settings = settings
        self.resources = resources
        // `slurm.<stage>` overrides name stages that may sit in any target: then define them all.
        let needs = needs.flatMap { $0.isEmpty || !resources.values.isEmpty ? nil : $0 }
        let builder = PipelineBuilder(config: Config(overrides: settings), requested: needs)
        try PipeMain.define(builder)
        pipeline = try builder.finish()
        let unknown = resources.unknownTargets(in: pipeline)
        if let first = unknown.first {
            throw PipelineError.malformedOverride("slurm.\(first)",
                reason: "no stage or kind is named '\(first)' (use a stage name, a kind name, or 'all')")
        }
    }

    /// Opens (creating if needed) the store; warnings go to standard error.
    func openStore() throws -> ArtifactStore {
        try ArtifactStore(root: options.storeURL, compressionThreads: Self.compressionThreads,
                          onWarning: { Console.warn($0) })
    }

    /// zstd workers for blobs of 8 MB and more: PIPE_ZSTD_WORKERS (0: on the storing thread), else
    /// 2 on a machine of 2 cores or more. A stage's outputs are stored after its work, when the
    /// cores it used are idle: on the Intel machine (4 December) storing an 81 MB training state
    /// took 0.16-0.25 s after the stage's last epoch with 2 workers against 0.23-0.57 s without
    /// (`pipe build student.aux.t1.d2`, two alternated rounds), for 73-74 MB more peak memory.
    static var compressionThreads: Int {
        if let text = ProcessInfo.processInfo.environment["PIPE_ZSTD_WORKERS"], let workers = Int(text) {
            return max(0, min(workers, 64))
        }
        return ProcessInfo.processInfo.activeProcessorCount >= 2 ? 2 : 0
    }
}

/// Output helpers: results to standard output, diagnostics to standard error.
enum Console {
    static let isTerminal = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("pipe: warning: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("pipe: \(message)\n".utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("pipe: error: \(message)\n".utf8))
    }

    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// Runs a command body, turning any error into one line on standard error and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        Console.error("\(error)")
        throw ExitCode.failure
    }
}
