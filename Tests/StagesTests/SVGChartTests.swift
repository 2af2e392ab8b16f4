import Foundation
import Testing
@testable import Stages

/// The SVG charts: well-formed, labelled, escaped; scales with round ticks.
@Suite struct SVGChartTests {
    @Test func barChartIsWellFormedAndLabelled() throws {
        let svg = BarChart.svg(SampleCharts.distributions)
        SVGInspector.saveSample(svg, as: "bars.svg")
        let inspector = try #require(SVGInspector.parse(svg), "bar chart SVG is not well-formed XML")
        #expect(inspector.rootName == "svg")
        let texts = Set(inspector.texts)
        for label in ["Exp 3: student accuracy by distillation input", "Distillation inputs", "Student digit accuracy (%)",
                      "Uniform noise", "MNIST images", "Student (aux logits only)", "Cross-model control",
                      "Published (original study)", "Chance (10%)", "0", "20", "40", "60"] {
            #expect(texts.contains(label), "missing text \(label)")
        }
        // Ten bars, with their values, and three published diamonds.
        let bars = inspector.attributes.filter { $0["data-value"] != nil }
        #expect(bars.count == 10)
        #expect(bars.contains { $0["data-label"] == "Uniform noise" && $0["data-value"] == "55.3" })
        #expect(svg.components(separatedBy: "<polygon").count - 1 >= 3)
    }

    @Test func lineChartsInEveryXMode() throws {
        for mode in [XAxisMode.categorical, .linear, .log] {
            let svg = LineChart.svg(SampleCharts.distillationEpochs(xAxis: mode))
            SVGInspector.saveSample(svg, as: "lines-\(mode.rawValue).svg")
            let inspector = try #require(SVGInspector.parse(svg), "\(mode) line chart SVG is not well-formed XML")
            let texts = Set(inspector.texts)
            #expect(texts.contains("Distillation epochs") && texts.contains("Published (original study)"))
            #expect(inspector.elements["polyline", default: 0] == 2, "one line per series")
            switch mode {
            case .categorical: #expect(["1", "2", "5", "10", "20", "40"].allSatisfy(texts.contains))
            case .linear: #expect(["0", "10", "20", "30", "40"].allSatisfy(texts.contains))
            case .log: #expect(["1", "2", "5", "10", "20", "40"].allSatisfy(texts.contains))
            }
        }
    }

    @Test func everythingIsEscaped() throws {
        var chart = SampleCharts.distributions
        chart.title = #"<script>alert("x")</script> & 'quotes'"#
        chart.series[0].name = "a<b & c>d"
        chart.series[0].points[0].label = "\"noise\" & <dots>"
        let svg = BarChart.svg(chart)
        let inspector = try #require(SVGInspector.parse(svg))
        #expect(!svg.contains("<script"))
        #expect(inspector.texts.contains(#"<script>alert("x")</script> & 'quotes'"#))
        #expect(inspector.texts.contains("a<b & c>d"))
        #expect(inspector.texts.contains("\"noise\" & <dots>"))
    }

    @Test func longCategoryLabelsWrapOrRotate() throws {
        let long = (1...8).map { SampleCharts.point("Distribution number \($0) with a long descriptive name", Double($0) * 9, 1) }
        let svg = BarChart.svg(Chart(title: "Many long labels", xLabel: "x", yLabel: "y", series: [ChartSeries(name: "", points: long)]))
        SVGInspector.saveSample(svg, as: "bars-long-labels.svg")
        #expect(SVGInspector.parse(svg) != nil)
        #expect(svg.contains("rotate(-35"))
        let wrapped = BarChart.svg(Chart(title: "Wrapped", xLabel: "x", yLabel: "y", series: [ChartSeries(name: "", points: Array(long.prefix(3)))]))
        let texts = try #require(SVGInspector.parse(wrapped)).texts
        #expect(!wrapped.contains("rotate(-35") && texts.contains("Distribution number 1 with a"))
    }

    @Test func niceTicks() {
        #expect(LinearScale(covering: 0, 98.4, range: (0, 1)).ticks == [0, 20, 40, 60, 80, 100])
        #expect(LinearScale(covering: 0, 60, range: (0, 1)).ticks == [0, 10, 20, 30, 40, 50, 60])
        #expect(LinearScale(covering: 0, 12.6, range: (0, 1)).ticks == [0, 2.5, 5, 7.5, 10, 12.5, 15] ||
                LinearScale(covering: 0, 12.6, range: (0, 1)).ticks == [0, 5, 10, 15])
        let small = LinearScale(covering: 0.1, 0.87, range: (100, 0))
        #expect(small.ticks.first == 0 && small.decimals == 1 && small.label(0.2) == "0.2")
        #expect(small.position(small.domain.low) == 100 && small.position(small.domain.high) == 0)
        #expect(LogScale(covering: 1, 40, range: (0, 1)).ticks == [1, 2, 5, 10, 20, 40])
    }

    @Test func ratioAxisTicksArePowersOfTenOrTwo() {
        let wide = RatioScale(covering: 0.03, 420, range: (100, 0))
        #expect(wide.base == 10 && wide.ticks == [0.01, 0.1, 1, 10, 100, 1000])
        #expect(wide.ticks.map(wide.label) == ["0.01×", "0.1×", "1×", "10×", "100×", "1000×"])
        // Equal ratios are equal distances; 1× sits where the decades say.
        #expect(wide.position(0.01) == 100 && wide.position(1000) == 0)
        #expect(abs(wide.position(1) - 60) < 1e-9 && abs(wide.position(10) - 40) < 1e-9)
        // Zero and infinity are drawn at the ends, not lost.
        #expect(wide.position(0) == 100 && wide.position(.infinity) == 0)
        let narrow = RatioScale(covering: 0.3, 5, range: (0, 1))
        #expect(narrow.base == 2 && narrow.ticks == [0.25, 0.5, 1, 2, 4, 8])
        #expect(narrow.ticks.map(narrow.label) == ["1/4×", "1/2×", "1×", "2×", "4×", "8×"])
        // Above 1 only, the axis still starts at 1×.
        #expect(RatioScale(covering: 3, 3, range: (0, 1)).ticks == [1, 2, 4])
        // Many decades: ticks skip decades, 1× stays a tick.
        let huge = RatioScale(covering: 1e-9, 1e9, range: (0, 1))
        #expect(huge.ticks.map(huge.label) == ["1e-9×", "1e-6×", "0.001×", "1×", "1000×", "1e6×", "1e9×"])
    }

    @Test func barChartOnARatioAxisGrowsFromOne() throws {
        let chart = Chart(title: "Ratios", xLabel: "animal", yLabel: "ratio", series: [
            ChartSeries(name: "up and down", points: [ChartPoint(label: "owl", y: 200), ChartPoint(label: "cat", y: 0.05),
                                                      ChartPoint(label: "dog", y: 1)]),
        ], referenceLines: [ReferenceLine(label: "2×", y: 2)], yAxis: .logRatio)
        let svg = BarChart.svg(chart)
        SVGInspector.saveSample(svg, as: "bars-ratio.svg")
        let inspector = try #require(SVGInspector.parse(svg), "ratio bar chart SVG is not well-formed XML")
        let texts = Set(inspector.texts)
        for label in ["0.01×", "0.1×", "1×", "10×", "100×", "1000×", "2×"] { #expect(texts.contains(label), "missing \(label)") }
        let bars = inspector.attributes.filter { $0["data-value"] != nil }
        func rect(_ label: String) throws -> (top: Double, bottom: Double) {
            let bar = try #require(bars.first { $0["data-label"] == label })
            let y = Double(bar["y"]!)!, height = Double(bar["height"]!)!
            return (y, y + height)
        }
        // owl goes up from 1x, cat down from it, dog is a flat bar at 1x: all share the 1x edge.
        let (owl, cat, dog) = (try rect("owl"), try rect("cat"), try rect("dog"))
        #expect(abs(owl.bottom - cat.top) < 0.02 && abs(dog.top - owl.bottom) < 0.02 && dog.bottom - dog.top < 0.02)
        // owl's 200x is log10(200) decades above 1x; cat's 0.05x is log10(20) below.
        let decade = (owl.bottom - owl.top) / log10(200)
        #expect(abs((cat.bottom - cat.top) - decade * log10(20)) < 0.05)
    }

    @Test func numbersFormatWithoutLocale() {
        #expect(NumberFormat.decimal(54.9, decimals: 4) == "54.9")
        #expect(NumberFormat.decimal(54.9, decimals: 2, fixed: true) == "54.90")
        #expect(NumberFormat.decimal(-0.000001, decimals: 3) == "0")
        #expect(NumberFormat.decimal(-2.25, decimals: 1) == "-2.3")
        #expect(NumberFormat.decimal(100, decimals: 0) == "100")
        #expect(NumberFormat.decimal(.nan, decimals: 2) == "nan")
    }
}
