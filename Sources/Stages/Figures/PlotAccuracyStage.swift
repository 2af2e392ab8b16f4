import Foundation
import Pipeline

/// `plot-accuracy`: a paper-style figure (SVG) and its table (CSV) from AccuracySummary inputs.
public struct PlotAccuracyStage: StageKind {
    public enum Style: String, Codable, Sendable, Hashable { case bars, lines }

    /// One plotted value: the summary in input `input`, at category `label` (and `x` if numeric).
    public struct Point: Codable, Sendable, Hashable {
        public var label: String
        public var x: Double?
        /// Name of the input holding this point's AccuracySummary JSON.
        public var input: String
        /// The original study's value, in percent.
        public var published: Double?
        public init(label: String, x: Double? = nil, input: String, published: Double? = nil) {
            self.label = label; self.x = x; self.input = input; self.published = published
        }
    }

    public struct Series: Codable, Sendable, Hashable {
        public var name: String
        public var points: [Point]
        public init(name: String, points: [Point]) { self.name = name; self.points = points }
    }

    public struct Params: Codable, Sendable, Hashable {
        public var title: String
        public var xLabel: String
        /// Defaults to "Accuracy (%)"; values are drawn in percent.
        public var yLabel: String
        public var style: Style
        /// Line charts only: how x is placed (default categorical: evenly spaced labels).
        public var xAxis: XAxisMode
        public var series: [Series]
        /// Horizontal lines in percent, e.g. chance at 10.
        public var referenceLines: [ReferenceLine]

        public init(title: String, xLabel: String, yLabel: String = "Accuracy (%)", style: Style,
                    xAxis: XAxisMode = .categorical, series: [Series], referenceLines: [ReferenceLine] = []) {
            self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.style = style
            self.xAxis = xAxis; self.series = series; self.referenceLines = referenceLines
        }
    }

    public static let name = "plot-accuracy"
    public static let summary = "an accuracy figure (SVG, bars or lines, 95% intervals) and its table (CSV)"
    public static let code = sourceFingerprint(
        "Figures/PlotAccuracyStage.swift", "Figures/BarChart.swift", "Figures/LineChart.swift",
        "Figures/ChartFrame.swift", "Figures/ChartModel.swift", "Figures/AxisScale.swift", "Figures/RatioScale.swift",
        "Figures/ValueScale.swift", "Figures/Legend.swift",
        "Figures/Palette.swift", "Figures/SVGCanvas.swift", "Figures/Markup.swift", "Figures/TextMetrics.swift",
        "Figures/NumberFormat.swift", "Figures/CSVTable.swift", "MLP/AccuracySummary.swift")
    public static let outputs = ["figure.svg", "table.csv", "metrics.json"]
    /// Each point's mean and 95% half-width in percent, named by its label (and its series when
    /// there are several, or when labels are numbers): `teacher.mean`, `student-aux-logits.ci95`.
    public static let metrics = ["metrics.json"]

    public static let tableHeader = ["series", "label", "x", "mean", "ci95_low", "ci95_high", "n_models", "published"]

    public static func run(_ params: Params, _ context: StageContext) throws {
        guard !params.series.isEmpty, params.series.contains(where: { !$0.points.isEmpty }) else {
            throw StageError.failed("plot-accuracy '\(params.title)': no series with points to plot")
        }
        if params.style == .lines, params.xAxis != .categorical {
            for series in params.series {
                for point in series.points where point.x == nil || (params.xAxis == .log && point.x! <= 0) {
                    throw StageError.failed("plot-accuracy '\(params.title)': point '\(point.label)' of series '\(series.name)' needs "
                        + (params.xAxis == .log ? "a positive x" : "an x") + " for xAxis \(params.xAxis.rawValue); give x or use xAxis categorical")
                }
            }
        }
        var chartSeries: [ChartSeries] = []
        var rows: [[String]] = []
        var metrics: [String: JSONValue] = [:]
        let named = params.series.count > 1
            || params.series.contains { $0.points.contains { $0.label.first?.isNumber ?? true } }
        for series in params.series {
            var points: [ChartPoint] = []
            for point in series.points {
                let summary: AccuracySummary
                do { summary = try AccuracySummary(json: context.input(point.input)) } catch let error as StageError {
                    throw error
                } catch {
                    throw StageError.badInput(name: point.input, reason: "not an AccuracySummary JSON: \(error)")
                }
                let mean = summary.mean * 100, half = summary.ci95 * 100
                // Drawn intervals stay within 0–100 %; the table keeps them as computed.
                points.append(ChartPoint(label: point.label, x: point.x, y: mean, low: max(0, mean - half),
                                         high: min(100, mean + half), published: point.published))
                // Percent to 0.01 (one test image in 10000), fixed so columns line up; x and
                // published as given.
                let percent = { (v: Double) in NumberFormat.decimal(v, decimals: 2, fixed: true) }
                let given = { (v: Double) in NumberFormat.decimal(v, decimals: 6) }
                let metric = (named ? slug(series.name) + "." : "") + slug(point.label)
                metrics[metric] = .object(["mean": .double(mean), "ci95": .double(half)])
                rows.append([series.name, point.label, point.x.map(given) ?? "", percent(mean), percent(mean - half),
                             percent(mean + half), String(summary.accuracies.count), point.published.map(given) ?? ""])
            }
            chartSeries.append(ChartSeries(name: series.name, points: points))
        }
        let chart = Chart(title: params.title, xLabel: params.xLabel, yLabel: params.yLabel, series: chartSeries,
                          referenceLines: params.referenceLines, xAxis: params.xAxis)
        let svg = params.style == .bars ? BarChart.svg(chart) : LineChart.svg(chart)
        context.write("figure.svg", Data(svg.utf8))
        context.write("table.csv", Data(CSVTable(header: tableHeader, rows: rows).serialized().utf8))
        context.write("metrics.json", Data(JSONValue.object(metrics).canonical.utf8))
        context.log("plotted \(rows.count) points in \(chartSeries.count) series")
    }

    /// A metric's name part: lowercase letters and digits, other runs as one "-".
    static func slug(_ text: String) -> String {
        var out = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber || character == "." { out.append(character == "." ? "-" : character) }
            else if !out.isEmpty, out.last != "-" { out.append("-") }
        }
        while out.last == "-" { out.removeLast() }
        return out.isEmpty ? "point" : out
    }
}
