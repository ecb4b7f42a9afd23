import Foundation
import SciDLSupport

/// A self-contained HTML page: a title, key/value tables and inline SVG figures. No scripts, no
/// external files, so it can be mailed or archived as one file.
public struct HTMLReport: Sendable {
    public var title: String
    private var body: [String] = []

    public init(title: String) { self.title = title }

    /// A paragraph of plain text.
    public mutating func paragraph(_ text: String) { body.append("<p>\(escapeXML(text))</p>") }

    /// Monospaced text kept as is (a terminal table).
    public mutating func preformatted(_ text: String) { body.append("<pre>\(escapeXML(text))</pre>") }

    /// Monospaced text in a section that opens on a click (long terminal tables, below the figures).
    public mutating func collapsed(_ summary: String, preformatted text: String) {
        body.append("<details><summary>\(escapeXML(summary))</summary><pre>\(escapeXML(text))</pre></details>")
    }

    /// A section heading.
    public mutating func heading(_ text: String) { body.append("<h2>\(escapeXML(text))</h2>") }

    /// A table with a header row.
    public mutating func table(header: [String], rows: [[String]], caption: String? = nil) {
        var html = "<table>"
        if let caption { html += "<caption>\(escapeXML(caption))</caption>" }
        html += "<tr>" + header.map { "<th>\(escapeXML($0))</th>" }.joined() + "</tr>"
        for row in rows { html += "<tr>" + row.map { "<td>\(escapeXML($0))</td>" }.joined() + "</tr>" }
        body.append(html + "</table>")
    }

    /// A two-column table of names and values.
    public mutating func table(_ rows: [(String, String)], caption: String? = nil) {
        var html = "<table>"
        if let caption { html += "<caption>\(escapeXML(caption))</caption>" }
        for (k, v) in rows { html += "<tr><th>\(escapeXML(k))</th><td>\(escapeXML(v))</td></tr>" }
        body.append(html + "</table>")
    }

    /// Figures side by side, wrapping on narrow screens.
    public mutating func figures(_ plots: [any SVGFigure]) {
        body.append("<div class=\"figures\">" + plots.map { "<figure>\($0.svg())</figure>" }.joined() + "</div>")
    }

    /// The page.
    public func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escapeXML(title))</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1320px; padding: 0 1em; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; } caption { text-align: left; font-weight: bold; }
        th, td { border: 1px solid #ddd; padding: 3px 10px; text-align: left; white-space: pre-wrap; }
        th { background: #f6f6f6; } details { margin: 1em 0; } summary { cursor: pointer; font-weight: bold; }
        .figures { display: flex; flex-wrap: wrap; gap: 12px; } figure { margin: 0; }
        </style></head><body>
        <h1>\(escapeXML(title))</h1>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }

    /// Writes the page atomically.
    public func write(to url: URL) throws { try AtomicFile.write(html(), to: url) }
}
