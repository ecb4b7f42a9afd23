import Foundation

/// Overlaid histograms of a few groups of values (e.g. a probe's scores on true and on false
/// examples) on shared bins, as standalone SVG.
public struct Histogram: SVGFigure {
    public var title: String
    public var xLabel: String
    /// Each group: a legend name and its values.
    public var groups: [(name: String, values: [Double])]
    public var bins = 30
    public var width = 420.0
    public var height = 260.0

    public init(title: String, xLabel: String, groups: [(name: String, values: [Double])], bins: Int = 30) {
        self.title = title
        self.xLabel = xLabel
        self.groups = groups
        self.bins = max(1, bins)
    }

    /// Counts per bin for each group, over [low, high] shared by all groups.
    public func counts() -> (low: Double, high: Double, counts: [[Int]]) {
        let all = groups.flatMap(\.values).filter(\.isFinite)
        var low = all.min() ?? 0
        var high = all.max() ?? 1
        if low == high {
            low -= 0.5
            high += 0.5
        }
        // Halves first: v − low and high − low overflow for values beyond ±9e307.
        let span = high / 2 - low / 2
        let counts = groups.map { g in
            var c = [Int](repeating: 0, count: bins)
            for v in g.values where v.isFinite {
                let position = ((v / 2 - low / 2) / span * Double(bins)).rounded(.down)
                c[Int(min(Double(bins - 1), max(0, position)))] += 1
            }
            return c
        }
        return (low, high, counts)
    }

    public func svg() -> String {
        let (left, top, pw, ph) = SVGCanvas.plotArea(
            figureWidth: width, figureHeight: height, left: 52, right: 12, top: 30, bottom: 42)
        let (low, high, counts) = self.counts()
        let tallest = Double(counts.flatMap { $0 }.max() ?? 1)
        let xAxis = Axis(values: [low, high], scale: .linear)
        let yAxis = Axis(values: [0, max(tallest, 1)], scale: .linear)
        func px(_ x: Double) -> Double { left + xAxis.fraction(x) * pw }
        func py(_ y: Double) -> Double { top + (1 - yAxis.fraction(y)) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let legend = SVGLegend(
            entries: groups.indices.map { (.box(colour: LinePlot.palette[$0 % LinePlot.palette.count]), groups[$0].name) })
        var out = SVGCanvas.opening(width: width + legend.width, height: height, title: title)
        for t in xAxis.ticks() {
            out += "<text x=\"\(f(px(t)))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(Axis.label(t))</text>\n"
        }
        for t in yAxis.ticks(integers: true) where t >= 0 {
            out +=
                """
                    <line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(t)))\" \
                    stroke=\"#e5e5e5\"/>
                    """
            out += "<text x=\"\(f(left - 5))\" y=\"\(f(py(t) + 3.5))\" text-anchor=\"end\">\(Axis.label(t))</text>\n"
        }
        let binWidth = (high - low) / Double(bins)
        for (g, c) in counts.enumerated() {
            let colour = LinePlot.palette[g % LinePlot.palette.count]
            for (b, n) in c.enumerated() where n > 0 {
                let x0 = px(low + Double(b) * binWidth)
                let x1 = px(low + Double(b + 1) * binWidth)
                out +=
                    """
                        <rect x=\"\(f(x0))\" y=\"\(f(py(Double(n))))\" width=\"\(f(max(x1 - x0 - 0.5, 0.5)))\" \
                        height=\"\(f(py(0) - py(Double(n))))\" fill=\"\(colour)\" fill-opacity=\"0.45\" \
                        stroke=\"\(colour)\" stroke-width=\"0.6\"/>\n
                        """
            }
        }
        out += SVGCanvas.frame(
            left: left, top: top, width: pw, height: ph, figureHeight: height, labelDrop: 8, xLabel: xLabel)
        out += "<text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">count</text>\n"
        out += legend.svg(left: left + pw + 12, top: top)
        return out + "</svg>\n"
    }
}
