/// The key every SciDL figure draws to the right of its plot area, outside it, so it never hides the data:
/// one entry a line, each a small sample of how the series is drawn and its name.
struct SVGLegend {
    enum Key {
        /// A stroke (`dash`: an SVG dash pattern), optionally over a shaded band.
        case line(colour: String, dash: String?, width: Double, band: Bool)
        case box(colour: String)
        case dot(colour: String)
    }

    var entries: [(key: Key, name: String)]

    /// Room the legend needs beside the plot: the longest name at ~6.2 px a character, plus the key.
    var width: Double {
        entries.isEmpty ? 0 : 36 + 6.2 * Double(entries.map(\.name.count).max() ?? 0)
    }

    /// The entries from (`left`, `top`) down, 15 px apart.
    func svg(left: Double, top: Double) -> String {
        let f = SVGCanvas.f
        var out = ""
        for (i, entry) in entries.enumerated() {
            let y = top + 10 + Double(i) * 15
            switch entry.key {
            case .line(let colour, let dash, let width, let band):
                if band {
                    out += "<rect x=\"\(f(left))\" y=\"\(f(y - 9))\" width=\"20\" height=\"10\" fill=\"\(colour)\" "
                    out += "fill-opacity=\"0.15\"/>"
                }
                out += "<line x1=\"\(f(left))\" y1=\"\(f(y - 4))\" x2=\"\(f(left + 20))\" y2=\"\(f(y - 4))\" "
                out += "stroke=\"\(colour)\" stroke-width=\"\(f(width))\""
                out += dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
                out += "/>"
            case .box(let colour):
                out += "<rect x=\"\(f(left + 3))\" y=\"\(f(y - 9))\" width=\"14\" height=\"10\" fill=\"\(colour)\" "
                out += "fill-opacity=\"0.55\"/>"
            case .dot(let colour):
                out += "<circle cx=\"\(f(left + 10))\" cy=\"\(f(y - 4))\" r=\"3\" fill=\"\(colour)\"/>"
            }
            out += "<text x=\"\(f(left + 25))\" y=\"\(f(y))\">\(escapeXML(entry.name))</text>\n"
        }
        return out
    }

    /// A reference line's key.
    static func reference(_ k: Int) -> Key {
        .line(colour: referenceColour(k), dash: "2,3", width: 1.4, band: false)
    }

    /// Reference lines are black and greys, apart from the data's colours.
    static func referenceColour(_ k: Int) -> String {
        let colours = ["#000000", "#777777", "#BBBBBB"]
        return colours[k % colours.count]
    }

    /// A horizontal reference line across the plot area at height `y` (pixels).
    static func referenceLine(_ k: Int, y: Double, left: Double, width: Double) -> String {
        let f = SVGCanvas.f
        return """
            <line x1="\(f(left))" y1="\(f(y))" x2="\(f(left + width))" y2="\(f(y))" \
            stroke="\(referenceColour(k))" stroke-width="1.4" stroke-dasharray="2,3"/>\n
            """
    }
}
