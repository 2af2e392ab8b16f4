/// Builds an SVG document element by element, escaping all text and attribute values.
struct SVGCanvas {
    let width: Double
    let height: Double
    /// A clean sans-serif stack: the common paper fonts first, then what Linux has.
    static let fontFamily = "'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
    private var body: [String] = []
    private var indent = 1

    init(width: Double, height: Double) { self.width = width; self.height = height }

    static func escape(_ text: String) -> String { Markup.escape(text) }

    private static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    private static func n(_ value: Double) -> String { NumberFormat.coordinate(value) }

    private mutating func emit(_ line: String) {
        body.append(String(repeating: "  ", count: indent) + line)
    }

    /// Opens a group; close it with `endGroup`.
    mutating func beginGroup(_ attributes: [(String, String)] = []) {
        emit("<g\(Self.attributes(attributes))>")
        indent += 1
    }

    mutating func endGroup() {
        indent -= 1
        emit("</g>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String,
                       width: Double = 1, dash: String? = nil, extra: [(String, String)] = []) {
        var attributes: [(String, String)] = [("x1", Self.n(x1)), ("y1", Self.n(y1)), ("x2", Self.n(x2)), ("y2", Self.n(y2)),
                                              ("stroke", stroke), ("stroke-width", Self.n(width))]
        if let dash { attributes.append(("stroke-dasharray", dash)) }
        emit("<line\(Self.attributes(attributes + extra))/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String,
                       stroke: String? = nil, extra: [(String, String)] = []) {
        var attributes: [(String, String)] = [("x", Self.n(x)), ("y", Self.n(y)), ("width", Self.n(max(0, width))),
                                              ("height", Self.n(max(0, height))), ("fill", fill)]
        if let stroke { attributes += [("stroke", stroke), ("stroke-width", "1")] }
        emit("<rect\(Self.attributes(attributes + extra))/>")
    }

    mutating func circle(_ cx: Double, _ cy: Double, _ r: Double, fill: String, stroke: String? = nil,
                         strokeWidth: Double = 1) {
        var attributes: [(String, String)] = [("cx", Self.n(cx)), ("cy", Self.n(cy)), ("r", Self.n(r)), ("fill", fill)]
        if let stroke { attributes += [("stroke", stroke), ("stroke-width", Self.n(strokeWidth))] }
        emit("<circle\(Self.attributes(attributes))/>")
    }

    /// A closed polygon or open polyline through `points`.
    mutating func polyline(_ points: [(Double, Double)], closed: Bool = false, fill: String = "none",
                           stroke: String, width: Double = 1, dash: String? = nil) {
        let list = points.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        var attributes: [(String, String)] = [("points", list), ("fill", fill), ("stroke", stroke),
                                              ("stroke-width", Self.n(width)), ("stroke-linejoin", "round")]
        if let dash { attributes.append(("stroke-dasharray", dash)) }
        emit("<\(closed ? "polygon" : "polyline")\(Self.attributes(attributes))/>")
    }

    enum Anchor: String { case start, middle, end }

    /// Text at (x, y) baseline; `rotate` in degrees about (x, y). `dy` shifts lines (em).
    mutating func text(_ content: String, x: Double, y: Double, size: Double, anchor: Anchor = .start,
                       bold: Bool = false, fill: String = Palette.text, rotate: Double? = nil, dy: String? = nil) {
        var attributes: [(String, String)] = [("x", Self.n(x)), ("y", Self.n(y)), ("font-size", Self.n(size))]
        if anchor != .start { attributes.append(("text-anchor", anchor.rawValue)) }
        if bold { attributes.append(("font-weight", "bold")) }
        if fill != Palette.text { attributes.append(("fill", fill)) }
        if let dy { attributes.append(("dy", dy)) }
        if let rotate { attributes.append(("transform", "rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))")) }
        emit("<text\(Self.attributes(attributes))>\(Self.escape(content))</text>")
    }

    /// The finished document; `label` is its accessible name (and tooltip).
    func document(label: String) -> String {
        var lines = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\""
                     + " viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" role=\"img\" aria-label=\"\(Self.escape(label))\""
                     + " font-family=\"\(Self.escape(Self.fontFamily))\" fill=\"\(Palette.text)\">",
                     "  <title>\(Self.escape(label))</title>",
                     "  <rect x=\"0\" y=\"0\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" fill=\"#FFFFFF\"/>"]
        lines += body
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }
}
