import Foundation
import Pipeline

/// `crosscheck-table`: pipe's accuracies beside an independent PyTorch re-run of the same
/// protocol (scripts/crosscheck/topic_a_torch.py), each with its 95% interval, and whether the
/// two intervals overlap.
///
/// Pipe's side is AccuracySummary JSON (the `evaluate` stages); PyTorch's is one metrics JSON whose
/// members ("teacher", "student_aux") have AccuracySummary's fields. Both intervals are recomputed
/// from the per-model accuracies with AccuracySummary's formula (mean ± 1.96 · sample std / √n), so
/// the two sides are summarized the same way whatever wrote them. Intervals overlap when
/// |mean_pipe − mean_torch| <= half-width_pipe + half-width_torch (touching counts as overlapping).
public struct CrosscheckTable: StageKind {
    /// One row: a quantity both sides measured.
    public struct Quantity: Codable, Sendable, Hashable {
        /// Row label ("teacher", "student, aux logits").
        public var name: String
        /// Name of the input holding pipe's AccuracySummary JSON.
        public var pipe: String
        /// Member of the PyTorch metrics JSON holding the same quantity ("teacher", "student_aux").
        public var torch: String
        /// The original study's value, in percent.
        public var published: Double?

        public init(name: String, pipe: String, torch: String, published: Double? = nil) {
            self.name = name; self.pipe = pipe; self.torch = torch; self.published = published
        }
    }

    public struct Params: Codable, Sendable, Hashable {
        /// First line of summary.txt: what was compared.
        public var title: String
        public var quantities: [Quantity]
        /// Name of the input holding the PyTorch metrics JSON.
        public var torchInput: String

        public init(title: String, quantities: [Quantity], torchInput: String = "torch") {
            self.title = title; self.quantities = quantities; self.torchInput = torchInput
        }
    }

    public static let name = "crosscheck-table"
    public static let summary = "pipe's accuracies beside a PyTorch re-run's, 95% intervals, whether they overlap"
    public static let code = sourceFingerprint("Crosscheck/CrosscheckTable.swift", "MLP/AccuracySummary.swift",
                                               "Figures/CSVTable.swift", "Figures/NumberFormat.swift")
    public static let outputs = ["table.csv", "summary.txt"]
    public static var resources: StageResources { .coordinator }

    public static let tableHeader = ["quantity", "pipe_mean", "pipe_ci95_low", "pipe_ci95_high", "pytorch_mean",
                                     "pytorch_ci95_low", "pytorch_ci95_high", "published", "intervals_overlap",
                                     "pipe_models", "pytorch_models"]

    /// One quantity as both sides measured it (accuracies as fractions, as AccuracySummary holds them).
    public struct Comparison: Sendable, Equatable {
        public var pipe: AccuracySummary
        public var torch: AccuracySummary
        /// The distance between the means is at most the sum of the half-widths.
        public var overlap: Bool { abs(pipe.mean - torch.mean) <= pipe.ci95 + torch.ci95 }

        public init(pipe: AccuracySummary, torch: AccuracySummary) { self.pipe = pipe; self.torch = torch }
    }

    public static func run(_ params: Params, _ context: StageContext) throws {
        guard !params.quantities.isEmpty else { throw StageError.failed("crosscheck-table: no quantities to compare") }
        let metrics = try context.input(params.torchInput)
        let version = (try? JSONDecoder().decode(TorchMetrics.self, from: metrics))?.torch
        var rows: [[String]] = []
        var lines = [params.title + (version.map { " (PyTorch \($0))" } ?? ""),
                     "95% intervals: mean +- 1.96 * sample std / sqrt(n), over n models"]
        for quantity in params.quantities {
            let pipe = try summary(context.input(quantity.pipe), input: quantity.pipe, member: nil)
            let torch = try summary(metrics, input: params.torchInput, member: quantity.torch)
            let comparison = Comparison(pipe: pipe, torch: torch)
            rows.append(row(quantity, comparison))
            lines.append(line(quantity, comparison))
            context.log(lines.last!)
        }
        context.write("table.csv", Data(CSVTable(header: tableHeader, rows: rows).serialized().utf8))
        context.write("summary.txt", Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// The table row of one quantity: percent to 0.01 (one test image in 10000), fixed decimals.
    static func row(_ quantity: Quantity, _ c: Comparison) -> [String] {
        let (pipe, torch) = (percent(c.pipe), percent(c.torch))
        return [quantity.name, pipe.mean, pipe.low, pipe.high, torch.mean, torch.low, torch.high,
                quantity.published.map { NumberFormat.decimal($0, decimals: 6) } ?? "", c.overlap ? "yes" : "no",
                String(c.pipe.accuracies.count), String(c.torch.accuracies.count)]
    }

    /// "teacher: pipe 94.31% [94.20, 94.42] (25 models) vs PyTorch 94.28% [94.15, 94.41] (25 models): intervals overlap; …"
    static func line(_ quantity: Quantity, _ c: Comparison) -> String {
        let (pipe, torch) = (percent(c.pipe), percent(c.torch))
        let difference = NumberFormat.decimal((c.torch.mean - c.pipe.mean) * 100, decimals: 2, fixed: true)
        return "\(quantity.name): pipe \(pipe.mean)% [\(pipe.low), \(pipe.high)] (\(c.pipe.accuracies.count) models) "
            + "vs PyTorch \(torch.mean)% [\(torch.low), \(torch.high)] (\(c.torch.accuracies.count) models): "
            + (c.overlap ? "intervals overlap" : "intervals do not overlap")
            + "; PyTorch - pipe = \(difference) points"
            + (quantity.published.map { "; study \(NumberFormat.decimal($0, decimals: 6))%" } ?? "")
    }

    private static func percent(_ s: AccuracySummary) -> (mean: String, low: String, high: String) {
        let format = { (v: Double) in NumberFormat.decimal(v * 100, decimals: 2, fixed: true) }
        return (format(s.mean), format(s.mean - s.ci95), format(s.mean + s.ci95))
    }

    /// The AccuracySummary in `data` (or in its member `member`), recomputed from its accuracies.
    static func summary(_ data: Data, input: String, member: String?) throws -> AccuracySummary {
        let decoded: AccuracySummary
        do {
            if let member {
                let decoder = JSONDecoder()
                decoder.userInfo[Member.name] = member
                decoded = try decoder.decode(Member.self, from: data).summary
            } else {
                decoded = try AccuracySummary(json: data)
            }
        } catch {
            let what = member.map { "a JSON object whose member '\($0)' is" } ?? "an"
            throw StageError.badInput(name: input, reason: "not \(what) accuracy summary (accuracies, mean, ci95): \(error)")
        }
        let prefix = member.map { "member '\($0)': " } ?? ""
        guard !decoded.accuracies.isEmpty else { throw StageError.badInput(name: input, reason: prefix + "no accuracies") }
        guard decoded.accuracies.allSatisfy({ (0...1).contains($0) }) else {
            throw StageError.badInput(name: input, reason: prefix + "accuracies must be fractions in [0, 1]")
        }
        return AccuracySummary(accuracies: decoded.accuracies)
    }

    /// One member of a JSON object, named by the decoder's userInfo[Member.name].
    private struct Member: Decodable {
        static let name = CodingUserInfoKey(rawValue: "member")!
        let summary: AccuracySummary
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            summary = try c.decode(AccuracySummary.self, forKey: Key(decoder.userInfo[Member.name] as? String ?? ""))
        }
    }

    /// The metrics file's "torch" member: the version that computed it.
    private struct TorchMetrics: Decodable { var torch: String }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
