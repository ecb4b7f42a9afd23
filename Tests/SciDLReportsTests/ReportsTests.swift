import Foundation
import SciDLReports
import XCTest

final class ReportsTests: XCTestCase {
    func testMetricsRoundTripKeepsColumnOrderAndNonFiniteValues() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-metrics-\(UUID())")
        var log = MetricsLog(directory: dir)
        let zeta = MetricName("zeta"), alpha = MetricName("alpha")
        log.append(MetricsRow([(.step, 0), (zeta, 0.1), (alpha, .nan)]))
        log.append(MetricsRow([(.step, 10), (zeta, 1e-9), (alpha, .infinity)]))
        try log.flush()
        let back = try MetricsLog(readingFrom: dir)
        XCTAssertEqual(
            back.rows.map { $0.values.map(\.name.rawValue) }, [["step", "zeta", "alpha"], ["step", "zeta", "alpha"]])
        XCTAssertEqual(back.rows[1][zeta], 1e-9)
        XCTAssertTrue(back.rows[0][alpha]!.isNaN)
        XCTAssertEqual(back.rows[1][alpha], .infinity)
        XCTAssertEqual(
            try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8)
                .split(separator: "\n").first, "step,zeta,alpha")
        // Every line of the JSONL file is valid JSON.
        for line in try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(
            separator: "\n")
        {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)))
        }
    }

    func testDamagedMetricsLineIsReported() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-metrics-bad-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "{\"step\":1}\n{\"step\":2,\"loss\n".write(
            to: dir.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MetricsLog(readingFrom: dir)) { XCTAssertTrue("\($0)".contains(":2")) }
    }

    func testLogAxisPlotDropsUndrawablePointsAndLabelsDecades() {
        let plot = LinePlot(
            title: "Loss <train>", xLabel: "step", yLabel: "loss", xScale: .log, yScale: .log,
            series: [.init("train", [(0, 5), (10, 1), (100, 0.01), (1000, 0)])])
        let svg = plot.svg()
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertTrue(svg.contains("Loss &lt;train&gt;"))
        XCTAssertEqual(svg.components(separatedBy: "<path").count - 1, 1)
        // Only (10, 1) and (100, 0.01) are drawable: two points in the path.
        let path = svg.components(separatedBy: "d=\"")[1].components(separatedBy: "\"")[0]
        XCTAssertEqual(path.filter { $0 == "M" || $0 == "L" }.count, 2)
        XCTAssertTrue(svg.contains(">100<") && svg.contains(">0.01<"))
    }

    /// Values near the ends of Double's range (issue 11, crash D) are binned and drawn, not trapped on.
    func testHistogramsAndPlotsTakeHugeValues() {
        let h = Histogram(
            title: "t", xLabel: "x", groups: [("a", [-1.7e308, 0, 1.7e308, 3.4e38]), ("b", [.infinity, .nan, 1])])
        let (_, _, counts) = h.counts()
        XCTAssertEqual(counts[0].reduce(0, +), 4)
        XCTAssertEqual(counts[1].reduce(0, +), 1)
        XCTAssertEqual(counts[0].first, 1)
        XCTAssertEqual(counts[0].last, 1)
        XCTAssertTrue(h.svg().hasSuffix("</svg>\n"))
        let plot = LinePlot(
            title: "t", xLabel: "x", yLabel: "y", series: [.init("s", [(0, -1.7e308), (1, 1.7e308)])])
        XCTAssertFalse(plot.svg().contains("nan"))
    }

    func testHTMLReportIsSelfContained() {
        var page = HTMLReport(title: "A & B")
        page.table([("k", "<v>")])
        page.figures([LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [.init("s", [(0, 0), (1, 1)])])])
        let html = page.html()
        XCTAssertTrue(html.contains("<title>A &amp; B</title>"))
        XCTAssertTrue(html.contains("&lt;v&gt;"))
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertFalse(html.contains("<script"))
    }
}
