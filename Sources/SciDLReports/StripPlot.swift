import Foundation

/// Every value of each group as a point, groups side by side (a strip plot): what a mean hides — seeds
/// that split into two modes, say CCS finding the truth in some and a distractor in others — stays visible.
/// Points are spread sideways by a fixed pattern, so the same values always draw the same figure.
public struct StripPlot: SVGFigure {
    public var title: String
    public var yLabel: String
    public var groups: [(name: String, values: [Double])]
    public var width = 560.0
    public var height = 340.0

    public init(title: String, yLabel: String, groups: [(name: String, values: [Double])]) {
        self.title = title
        self.yLabel = yLabel
        self.groups = groups
    }

    public func svg() -> String {
        let (left, top, pw, ph) = SVGCanvas.plotArea(
            figureWidth: width, figureHeight: height, left: 64, right: 16, top: 34, bottom: 48)
        let values = groups.flatMap(\.values).filter(\.isFinite)
        let axis = Axis(values: values, scale: .linear)
        func py(_ y: Double) -> Double { top + (1 - axis.fraction(y)) * ph }
        let slot = pw / Double(max(groups.count, 1))
        var out = SVGCanvas.opening(width: width, height: height, title: title)
        for t in axis.ticks() {
            let y = py(t)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + pw))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(left - 5))\" y=\"\(f(y + 3.5))\" text-anchor=\"end\">\(Axis.label(t))</text>\n"
        }
        out += SVGCanvas.frame(
            left: left, top: top, width: pw, height: ph, figureHeight: height, labelDrop: 10, xLabel: "")
        out +=
            """
            <text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" \
            text-anchor=\"middle\">\(escapeXML(yLabel))</text>\n
            """
        for (g, group) in groups.enumerated() {
            let centre = left + (Double(g) + 0.5) * slot
            let colour = LinePlot.palette[g % LinePlot.palette.count]
            out += "<text x=\"\(f(centre))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">"
            out += "\(escapeXML(group.name))</text>\n"
            for (i, v) in group.values.enumerated() where v.isFinite {
                // A fixed low-discrepancy spread (golden-ratio steps) within a third of the slot.
                let offset = ((Double(i) * 0.618_034).truncatingRemainder(dividingBy: 1) - 0.5) * slot / 3
                out += "<circle cx=\"\(f(centre + offset))\" cy=\"\(f(py(v)))\" r=\"3\" fill=\"\(colour)\" "
                out += "fill-opacity=\"0.7\"/>\n"
            }
            if !group.values.isEmpty {
                let mean = group.values.reduce(0, +) / Double(group.values.count)
                if mean.isFinite {
                    out += "<line x1=\"\(f(centre - slot / 4))\" y1=\"\(f(py(mean)))\" x2=\"\(f(centre + slot / 4))\" "
                    out += "y2=\"\(f(py(mean)))\" stroke=\"#333\" stroke-width=\"1.5\"/>\n"
                }
            }
        }
        return out + "</svg>\n"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
