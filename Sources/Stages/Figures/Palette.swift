/// Colours and marker shapes of the figures: Okabe–Ito, distinguishable with colour-blindness.
enum Palette {
    /// Okabe–Ito order, yellow last (weak on white).
    static let series = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
    static let text = "#222222"
    static let axis = "#444444"
    static let grid = "#E4E4E4"
    static let reference = "#777777"
    static let published = "#111111"
    /// Error bars over filled bars.
    static let errorBar = "#222222"

    static func colour(_ index: Int) -> String { series[index % series.count] }
}

/// A marker shape for line-chart series; the shape repeats the colour's distinction.
enum MarkerShape: CaseIterable {
    case circle, square, triangleUp, triangleDown, hexagon

    static func forSeries(_ index: Int) -> MarkerShape { allCases[index % allCases.count] }
}
