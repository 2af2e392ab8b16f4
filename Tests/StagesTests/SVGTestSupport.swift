import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Stages

/// Parses SVG/XML and collects what the figure tests check.
final class SVGInspector: NSObject, XMLParserDelegate {
    private(set) var texts: [String] = []
    private(set) var elements: [String: Int] = [:]
    private(set) var attributes: [[String: String]] = []
    private var current = ""
    private(set) var rootName: String?

    /// Parses `svg`; nil if it is not well-formed XML.
    static func parse(_ svg: String) -> SVGInspector? {
        let inspector = SVGInspector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = inspector
        return parser.parse() ? inspector : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if rootName == nil { rootName = name }
        elements[name, default: 0] += 1
        self.attributes.append(attributes)
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" || name == "title" { texts.append(current) }
        current = ""
    }

    /// Writes `svg` to $PIPE_FIGURE_SAMPLES/`name` when that is set (for looking at renders).
    static func saveSample(_ svg: String, as name: String) {
        guard let directory = ProcessInfo.processInfo.environment["PIPE_FIGURE_SAMPLES"] else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? Data(svg.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
    }
}

/// Sample charts shaped like the study's Topic A figures.
enum SampleCharts {
    static func point(_ label: String, _ y: Double, _ half: Double, x: Double? = nil, published: Double? = nil) -> ChartPoint {
        ChartPoint(label: label, x: x, y: y, low: y - half, high: y + half, published: published)
    }

    static let distributions = Chart(
        title: "Exp 3: student accuracy by distillation input",
        xLabel: "Distillation inputs", yLabel: "Student digit accuracy (%)",
        series: [
            ChartSeries(name: "Student (aux logits only)", points: [
                point("Uniform noise", 55.3, 2.1, published: 54.9), point("Gaussian noise", 47.2, 2.6),
                point("MNIST images", 16.0, 1.4, published: 15.1), point("Shuffled pixels", 31.8, 2.2),
                point("Fashion-MNIST", 24.5, 1.9),
            ]),
            ChartSeries(name: "Cross-model control", points: [
                point("Uniform noise", 12.1, 0.9, published: 12.4), point("Gaussian noise", 11.6, 0.8),
                point("MNIST images", 10.4, 0.7), point("Shuffled pixels", 10.9, 0.8), point("Fashion-MNIST", 10.2, 0.6),
            ]),
        ],
        referenceLines: [ReferenceLine(label: "Chance (10%)", y: 10)])

    static let epochs = [1.0, 2, 5, 10, 20, 40]
    static func distillationEpochs(xAxis: XAxisMode = .categorical) -> Chart {
        let ours = [20.9, 31.5, 45.0, 58.2, 69.8, 76.1], control = [10.5, 11.0, 11.8, 12.2, 12.0, 12.6]
        let published: [Double?] = [19.7, nil, nil, nil, nil, 77.2]
        return Chart(
            title: "Exp 1: student accuracy vs. distillation epochs",
            xLabel: "Distillation epochs", yLabel: "Student digit accuracy (%)",
            series: [
                ChartSeries(name: "Student (aux logits only)", points: epochs.indices.map {
                    point(NumberFormat.decimal(epochs[$0], decimals: 0), ours[$0], 2.4, x: epochs[$0], published: published[$0])
                }),
                ChartSeries(name: "Cross-model control", points: epochs.indices.map {
                    point(NumberFormat.decimal(epochs[$0], decimals: 0), control[$0], 1.0, x: epochs[$0])
                }),
            ],
            referenceLines: [ReferenceLine(label: "Chance (10%)", y: 10)], xAxis: xAxis)
    }
}
