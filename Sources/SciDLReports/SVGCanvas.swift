import Foundation

/// What every SciDL figure draws alike: the SVG document opening with its white ground and title, and the
/// plot frame with the x-axis label under it.
enum SVGCanvas {
    /// Coordinates with one decimal.
    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func opening(width: Double, height: Double, title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(width / 2))" y="18" text-anchor="middle" font-size="13" \
        font-weight="bold">\(escapeXML(title))</text>

        """
    }

    /// The frame around the plot area and the x-axis label `labelDrop` above the figure's bottom edge.
    static func frame(
        left: Double, top: Double, width pw: Double, height ph: Double, figureHeight: Double, labelDrop: Double,
        xLabel: String
    ) -> String {
        """
        <rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" \
        stroke=\"#333\"/>
        <text x=\"\(f(left + pw / 2))\" y=\"\(f(figureHeight - labelDrop))\" \
        text-anchor=\"middle\">\(escapeXML(xLabel))</text>

        """
    }

    /// The plot area inside a figure's margins: its top-left corner and size.
    static func plotArea(
        figureWidth: Double, figureHeight: Double, left: Double, right: Double, top: Double, bottom: Double
    ) -> (left: Double, top: Double, width: Double, height: Double) {
        (left, top, figureWidth - left - right, figureHeight - top - bottom)
    }
}
