import Foundation

/// Bars in groups — per probing method, one bar per target (truth, the distractor word…) — each bar the mean
/// of its values with every value (one per seed) drawn on it as a point: the critique papers' figure of what
/// each method tracks. Optional horizontal reference lines (chance, a supervised ceiling).
public struct GroupedBarChart: SVGFigure {
    public struct Group: Sendable {
        public var name: String
        /// One list of values per bar, in the order of `bars`.
        public var values: [[Double]]
        public init(_ name: String, values: [[Double]]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var yLabel: String
    /// The bars' names (the legend), the same in every group.
    public var bars: [String]
    public var groups: [Group]
    public var references: [LinePlot.Reference] = []
    /// The value axis; accuracies read best on a fixed 0–1 scale.
    public var yRange: ClosedRange<Double> = 0...1
    public var width = 560.0
    public var height = 340.0

    public init(title: String, yLabel: String, bars: [String], groups: [Group]) {
        self.title = title
        self.yLabel = yLabel
        self.bars = bars
        self.groups = groups
    }

    public func svg() -> String {
        let legend = SVGLegend(
            entries: bars.indices.map { (.box(colour: LinePlot.palette[$0 % LinePlot.palette.count]), bars[$0]) }
                + references.indices.map { (SVGLegend.reference($0), references[$0].name) })
        let (left, top, pw, ph) = SVGCanvas.plotArea(
            figureWidth: width, figureHeight: height, left: 64, right: 16, top: 34, bottom: 52)
        let axis = Axis(low: yRange.lowerBound, high: yRange.upperBound)
        func py(_ y: Double) -> Double { top + (1 - axis.fraction(min(max(y, axis.low), axis.high))) * ph }
        var out = SVGCanvas.opening(width: width + legend.width, height: height, title: title)
        for t in axis.ticks() {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(t)))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(left - 5))\" y=\"\(f(py(t) + 3.5))\" text-anchor=\"end\">\(Axis.label(t))</text>\n"
        }
        out += SVGCanvas.frame(left: left, top: top, width: pw, height: ph, figureHeight: height, labelDrop: 10, xLabel: "")
        out += "<text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">"
        out += "\(escapeXML(yLabel))</text>\n"
        let slot = pw / Double(max(groups.count, 1))
        let barWidth = slot * 0.8 / Double(max(bars.count, 1))
        for (g, group) in groups.enumerated() {
            let start = left + Double(g) * slot + slot * 0.1
            // Long names wrap onto up to three lines under their group.
            for (k, line) in Self.wrap(group.name, width: max(8, Int(slot / 6.2))).prefix(3).enumerated() {
                out += "<text x=\"\(f(start + slot * 0.4))\" y=\"\(f(top + ph + 14 + 12 * Double(k)))\" "
                out += "text-anchor=\"middle\">\(escapeXML(line))</text>\n"
            }
            for (b, values) in group.values.enumerated() {
                let finite = values.filter(\.isFinite)
                guard !finite.isEmpty else { continue }
                let colour = LinePlot.palette[b % LinePlot.palette.count]
                let x = start + Double(b) * barWidth
                let mean = finite.reduce(0, +) / Double(finite.count)
                out += "<rect x=\"\(f(x + 1))\" y=\"\(f(py(mean)))\" width=\"\(f(barWidth - 2))\" "
                out += "height=\"\(f(py(axis.low) - py(mean)))\" fill=\"\(colour)\" fill-opacity=\"0.55\"/>\n"
                for (i, v) in finite.enumerated() {
                    // A fixed spread sideways (golden-ratio steps), so the same values always draw alike.
                    let offset = ((Double(i) * 0.618_034).truncatingRemainder(dividingBy: 1) - 0.5) * barWidth * 0.5
                    out += "<circle cx=\"\(f(x + barWidth / 2 + offset))\" cy=\"\(f(py(v)))\" r=\"2.2\" "
                    out += "fill=\"#222\" fill-opacity=\"0.6\"/>\n"
                }
            }
        }
        for (k, r) in references.enumerated() where r.y.isFinite {
            out += SVGLegend.referenceLine(k, y: py(r.y), left: left, width: pw)
        }
        out += legend.svg(left: left + pw + 12, top: top)
        return out + "</svg>\n"
    }

    /// `text` in lines of at most `width` characters, broken at spaces (a longer word keeps a line of its own).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    private func f(_ v: Double) -> String { SVGCanvas.f(v) }
}
