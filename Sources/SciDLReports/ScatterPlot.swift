import Foundation

/// Points in a plane coloured by a category (a pair's truth, its distractor word), each category named in the
/// legend beside the plot: e.g. the contrast differences projected on their first two principal components.
public struct ScatterPlot: SVGFigure {
    public struct Category: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(_ name: String, _ points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var categories: [Category]
    public var width = 420.0
    public var height = 340.0

    public init(title: String, xLabel: String, yLabel: String, categories: [Category]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.categories = categories
    }

    public func svg() -> String {
        let legend = SVGLegend(
            entries: categories.indices.map {
                (.dot(colour: LinePlot.palette[$0 % LinePlot.palette.count]), categories[$0].name)
            })
        let (left, top, pw, ph) = SVGCanvas.plotArea(
            figureWidth: width, figureHeight: height, left: 56, right: 16, top: 34, bottom: 48)
        let points = categories.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xAxis = Axis(values: points.map(\.x), scale: .linear)
        let yAxis = Axis(values: points.map(\.y), scale: .linear)
        func px(_ x: Double) -> Double { left + xAxis.fraction(x) * pw }
        func py(_ y: Double) -> Double { top + (1 - yAxis.fraction(y)) * ph }
        var out = SVGCanvas.opening(width: width + legend.width, height: height, title: title)
        for t in xAxis.ticks() {
            out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + ph))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(f(px(t)))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(Axis.label(t))</text>\n"
        }
        for t in yAxis.ticks() {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(t)))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(f(left - 5))\" y=\"\(f(py(t) + 3.5))\" text-anchor=\"end\">\(Axis.label(t))</text>\n"
        }
        out += SVGCanvas.frame(
            left: left, top: top, width: pw, height: ph, figureHeight: height, labelDrop: 10, xLabel: xLabel)
        out += "<text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">"
        out += "\(escapeXML(yLabel))</text>\n"
        for (c, category) in categories.enumerated() {
            let colour = LinePlot.palette[c % LinePlot.palette.count]
            for p in category.points where p.x.isFinite && p.y.isFinite {
                out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.4\" fill=\"\(colour)\" "
                out += "fill-opacity=\"0.55\"/>\n"
            }
        }
        out += legend.svg(left: left + pw + 12, top: top)
        return out + "</svg>\n"
    }

    private func f(_ v: Double) -> String { SVGCanvas.f(v) }
}
