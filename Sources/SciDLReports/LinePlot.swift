import Foundation

/// A chart that renders itself as a standalone SVG document.
public protocol SVGFigure: Sendable {
    func svg() -> String
}

/// A publication-ready line chart rendered as standalone SVG, with optional logarithmic axes.
public struct LinePlot: SVGFigure {
    public enum Scale: Sendable { case linear, log }

    /// One line (or cloud of points): a name for the legend and its points. A series with an empty name is
    /// drawn but left out of the legend (further seeds of a run already named, in the named one's colour).
    public struct Series: Sendable {
        /// How a series is drawn: points joined by a line (dashed, for a reference such as a supervised
        /// ceiling), or each point as a dot (one per seed, say).
        public enum Style: Sendable { case line, dashed, points }
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var style: Style
        /// A shaded band around the line (an interval per x), in the line's colour.
        public var band: [(x: Double, low: Double, high: Double)]
        /// A colour of its own instead of the palette's next one.
        public var colour: String?
        public init(
            _ name: String, _ points: [(Double, Double)], style: Style = .line,
            band: [(x: Double, low: Double, high: Double)] = [], colour: String? = nil
        ) {
            self.name = name
            self.points = points.map { (x: $0.0, y: $0.1) }
            self.style = style
            self.band = band
            self.colour = colour
        }
    }

    /// A horizontal line across the plot at `y` (a layer-independent baseline), named in the legend.
    public struct Reference: Sendable {
        public var name: String
        public var y: Double
        public init(_ name: String, y: Double) {
            self.name = name
            self.y = y
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale = .linear
    public var yScale: Scale = .linear
    public var series: [Series]
    public var references: [Reference] = []
    /// Ticks on whole numbers only (layers, counts).
    public var integerXTicks = false
    /// The plot area's width; the legend sits to its right, outside, so it never hides a line.
    public var width = 560.0
    public var height = 340.0

    public init(
        title: String, xLabel: String, yLabel: String, xScale: Scale = .linear, yScale: Scale = .linear,
        series: [Series]
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.series = series
    }

    /// Colour-blind-safe palette (Okabe–Ito).
    public static let palette = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
    ]

    /// The key: each series as drawn, then the reference lines.
    var legend: SVGLegend {
        SVGLegend(
            entries: series.indices.filter { !series[$0].name.isEmpty }.map { i in
                let s = series[i]
                let colour = s.colour ?? Self.palette[i % Self.palette.count]
                let key: SVGLegend.Key =
                    s.style == .points
                    ? .dot(colour: colour)
                    : .line(colour: colour, dash: dashPattern(i), width: 2, band: !s.band.isEmpty)
                return (key, s.name)
            } + references.indices.map { (SVGLegend.reference($0), references[$0].name) })
    }

    /// The SVG document: the plot area `width` wide, the legend beside it.
    public func svg() -> String {
        let legend = self.legend
        let figureWidth = width + legend.width
        let (left, top, pw, ph) = SVGCanvas.plotArea(
            figureWidth: width, figureHeight: height, left: 64, right: 16, top: 34, bottom: 48)
        // Points that cannot be drawn on a log axis (≤ 0) or at all (non-finite) are dropped.
        func usable(_ v: Double, _ s: Scale) -> Bool { v.isFinite && (s == .linear || v > 0) }
        let drawn = series.map { s in s.points.filter { usable($0.x, xScale) && usable($0.y, yScale) } }
        let bands = series.map { s in
            s.band.filter { usable($0.x, xScale) && usable($0.low, yScale) && usable($0.high, yScale) }
        }
        let xs = drawn.flatMap { $0.map(\.x) }
        let ys =
            drawn.flatMap { $0.map(\.y) } + bands.flatMap { $0.flatMap { [$0.low, $0.high] } }
            + references.map(\.y).filter { usable($0, yScale) }
        let xAxis = Axis(values: xs, scale: xScale)
        let yAxis = Axis(values: ys, scale: yScale)
        func px(_ x: Double) -> Double { left + xAxis.fraction(x) * pw }
        func py(_ y: Double) -> Double { top + (1 - yAxis.fraction(y)) * ph }
        func colour(_ i: Int) -> String { series[i].colour ?? Self.palette[i % Self.palette.count] }

        var out = SVGCanvas.opening(width: figureWidth, height: height, title: title)
        for t in xAxis.ticks(integers: integerXTicks) {
            let x = px(t)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + ph))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(x))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(Axis.label(t))</text>\n"
        }
        for t in yAxis.ticks() {
            let y = py(t)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + pw))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(left - 5))\" y=\"\(f(y + 3.5))\" text-anchor=\"end\">\(Axis.label(t))</text>\n"
        }
        out += SVGCanvas.frame(
            left: left, top: top, width: pw, height: ph, figureHeight: height, labelDrop: 10, xLabel: xLabel)
        out +=
            """
            <text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" \
            text-anchor=\"middle\">\(escapeXML(yLabel))</text>\n
            """
        // Bands first, under every line.
        for (i, band) in bands.enumerated() where band.count >= 2 {
            let upper = band.map { "\(f(px($0.x))),\(f(py($0.high)))" }
            let lower = band.reversed().map { "\(f(px($0.x))),\(f(py($0.low)))" }
            out +=
                """
                <polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(colour(i))\" \
                fill-opacity=\"0.15\" stroke=\"none\"/>\n
                """
        }
        for (k, r) in references.enumerated() where usable(r.y, yScale) {
            out += SVGLegend.referenceLine(k, y: py(r.y), left: left, width: pw)
        }
        for (i, pts) in drawn.enumerated() where !pts.isEmpty {
            if series[i].style == .points {
                for p in pts {
                    out +=
                        "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(colour(i))\" fill-opacity=\"0.7\"/>\n"
                }
                continue
            }
            let path = Self.thinned(pts.map { (px($0.x), py($0.y)) }).enumerated().map {
                "\($0.offset == 0 ? "M" : "L")\(f($0.element.x)),\(f($0.element.y))"
            }
            out +=
                """
                <path d=\"\(path.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour(i))\" \
                stroke-width=\"1.6\"\(dash(i))/>\n
                """
            if pts.count == 1 {
                out += "<circle cx=\"\(f(px(pts[0].x)))\" cy=\"\(f(py(pts[0].y)))\" r=\"3\" fill=\"\(colour(i))\"/>\n"
            }
        }
        out += legend.svg(left: left + pw + 12, top: top)
        return out + "</svg>\n"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// A line's points in SVG coordinates, without what cannot be seen: each run of points inside one pixel
    /// column reduced to its first, lowest, highest and last, then each stretch that stays within a third of a
    /// pixel of its start reduced to its ends. A 100,000-step curve on a log axis draws the same, a fraction
    /// of the size.
    static func thinned(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        var envelope: [(x: Double, y: Double)] = []
        var column: [(x: Double, y: Double)] = []
        func flush() {
            guard let first = column.first, let last = column.last else { return }
            if column.count <= 4 {
                envelope += column
            } else {
                let low = column.min { $0.y < $1.y }!
                let high = column.max { $0.y < $1.y }!
                // Lowest and highest in the order they came, so the path does not double back.
                envelope += [first] + [low, high].sorted { $0.x < $1.x } + [last]
            }
            column.removeAll(keepingCapacity: true)
        }
        for p in points {
            if let c = column.first, p.x.rounded(.down) != c.x.rounded(.down) { flush() }
            column.append(p)
        }
        flush()
        var out: [(x: Double, y: Double)] = []
        var stretch: [(x: Double, y: Double)] = []
        for p in envelope {
            if let start = stretch.first, abs(p.y - start.y) > 1.0 / 3 {
                out.append(start)
                if stretch.count > 1 { out.append(stretch.last!) }
                stretch.removeAll(keepingCapacity: true)
            }
            stretch.append(p)
        }
        if let start = stretch.first {
            out.append(start)
            if stretch.count > 1 { out.append(stretch.last!) }
        }
        return out
    }

    /// Series past the palette's length repeat its colours, dashed, so no two look alike; a dashed series is
    /// dashed whatever its place, and one with a colour of its own is solid unless dashed.
    private func dash(_ i: Int) -> String { dashPattern(i).map { " stroke-dasharray=\"\($0)\"" } ?? "" }

    private func dashPattern(_ i: Int) -> String? {
        if series[i].style == .dashed { return "6,3" }
        if series[i].colour != nil { return nil }
        return i < Self.palette.count ? nil : ["5,3", "2,2", "8,3,2,3"][(i / Self.palette.count - 1) % 3]
    }
}

/// Maps data values to [0, 1] along an axis and chooses tick marks.
struct Axis {
    let low: Double, high: Double, scale: LinePlot.Scale

    /// A linear axis over exactly [low, high].
    init(low: Double, high: Double) {
        (self.low, self.high, scale) = (low, high, .linear)
    }

    init(values: [Double], scale: LinePlot.Scale) {
        self.scale = scale
        var lo = values.min() ?? 0
        var hi = values.max() ?? 1
        if scale == .log {
            lo = pow(10, log10(lo).rounded(.down))
            hi = pow(10, log10(hi).rounded(.up))
            if lo == hi { hi = lo * 10 }
        } else {
            if lo == hi {
                lo -= 0.5
                hi += 0.5
            }
            let pad = (hi / 2 - lo / 2) * 0.08  // halves: hi − lo overflows for values beyond ±9e307
            lo = max(lo - pad, -.greatestFiniteMagnitude)
            hi = min(hi + pad, .greatestFiniteMagnitude)
        }
        (low, high) = (lo, hi)
    }

    func fraction(_ v: Double) -> Double {
        scale == .log ? (log10(v) - log10(low)) / (log10(high) - log10(low)) : (v / 2 - low / 2) / (high / 2 - low / 2)
    }

    /// Tick positions; with `integers`, whole numbers only (a step of at least 1).
    func ticks(integers: Bool = false) -> [Double] {
        if scale == .log {
            let a = Int(log10(low).rounded())
            let b = Int(log10(high).rounded())
            let step = max(1, (b - a + 7) / 8)
            return stride(from: a, through: b, by: step).map { pow(10, Double($0)) }
        }
        let raw = (high / 2 - low / 2) / 3
        let magnitude = pow(10, floor(log10(raw)))
        var step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        if integers { step = max(1, step.rounded(.up)) }
        guard step.isFinite, step > 0 else { return [] }
        var t = (low / step).rounded(.up) * step
        var out: [Double] = []
        while t.isFinite, t <= high + step * 1e-9 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e5 || a < 1e-3 {
            return String(format: "%.0e", v).replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(
                of: "e-0", with: "e-")
        }
        if v == v.rounded() { return String(Int64(v)) }
        return String(format: "%g", v)
    }
}

/// Escapes text for XML and HTML.
public func escapeXML(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
