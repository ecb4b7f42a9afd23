import Foundation
import XCTest

@testable import SciDLReports

final class ReportsTests: XCTestCase {
    func testMetricsRoundTripKeepsColumnOrderAndNonFiniteValues() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-metrics-\(UUID())")
        var log = MetricsLog(directory: dir)
        let zeta = MetricName("zeta")
        let alpha = MetricName("alpha")
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

    /// A long curve keeps, per pixel column, its first, lowest, highest and last point, in order, and a flat
    /// stretch only its ends.
    func testThinnedLineKeepsWhatCanBeSeen() {
        // 1,000 points over 10 px: a saw between 0 and 9 in y.
        let saw = (0..<1000).map { (x: Double($0) / 100, y: Double($0 % 10)) }
        let thin = LinePlot.thinned(saw)
        XCTAssertEqual(thin.count, 10 * 4, "four points for each of the 10 pixel columns")
        XCTAssertEqual(thin.first?.x, 0)
        XCTAssertEqual(thin.last?.x, 9.99)
        for c in 0..<10 {
            let column = thin.filter { Int($0.x) == c }
            XCTAssertEqual(column.map(\.y).min(), 0)
            XCTAssertEqual(column.map(\.y).max(), 9)
            XCTAssertEqual(column.map(\.x), column.map(\.x).sorted(), "in order, no doubling back")
        }
        // A plateau (wobbling by a tenth of a pixel) between two steps keeps its ends and the steps.
        func height(_ i: Int) -> Double { i < 100 ? 50 : i < 200 ? 20 + 0.1 * Double(i % 2) : 80 }
        let plateau: [(x: Double, y: Double)] = (0..<300).map { (x: Double($0), y: height($0)) }
        XCTAssertEqual(
            LinePlot.thinned(plateau).map(\.x), [0, 99, 100, 199, 200, 299])
        // Sparse points pass through untouched.
        let sparse = [(x: 0.0, y: 1.0), (x: 5, y: 2), (x: 9, y: 0)]
        XCTAssertEqual(LinePlot.thinned(sparse).map(\.y), [1, 2, 0])
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

    /// Issue 24: legends sit outside the plot area (right of it), so they never cover a peak; bands and
    /// reference lines are drawn; layer axes tick on whole numbers.
    func testLegendsSitOutsideThePlotAndBandsAndReferencesAreDrawn() throws {
        var plot = LinePlot(
            title: "t", xLabel: "layer", yLabel: "acc",
            series: [
                .init(
                    "a method", [(0, 0.5), (5, 0.9), (7, 0.6)], band: [(0, 0.4, 0.6), (5, 0.8, 1.0), (7, 0.5, 0.7)]),
                .init("LR", [(0, 0.7), (7, 0.8)], style: .dashed),
            ])
        plot.references = [.init("zero-shot", y: 0.65)]
        plot.integerXTicks = true
        let svg = plot.svg()
        // The plot area is `width` wide from x = 64; every legend text starts beyond its right edge.
        let right = 64 + (plot.width - 64 - 16)
        let texts = svg.components(separatedBy: "<text x=\"").dropFirst().compactMap { part -> (Double, String)? in
            guard let x = Double(part.prefix { $0 != "\"" }) else { return nil }
            let label = part.split(separator: ">", maxSplits: 1).last.map { String($0.prefix { $0 != "<" }) } ?? ""
            return (x, label)
        }
        for name in ["a method", "LR", "zero-shot"] {
            let entry = try XCTUnwrap(texts.first { $0.1 == name }, name)
            XCTAssertGreaterThan(entry.0, right, "\(name)'s legend entry lies right of the plot area")
        }
        XCTAssertTrue(svg.contains("<polygon"), "the band")
        XCTAssertTrue(svg.contains("stroke-dasharray=\"6,3\""), "the dashed ceiling")
        XCTAssertTrue(svg.contains("stroke-dasharray=\"2,3\""), "the reference line")
        XCTAssertEqual(Axis(values: [0, 12], scale: .linear).ticks(integers: true).filter { $0 != $0.rounded() }, [])
        XCTAssertFalse(Axis(values: [0, 12], scale: .linear).ticks().allSatisfy { $0 == $0.rounded() }, "2.5 steps")
    }

    func testSeriesWithoutANameAreDrawnButNotListed() {
        let plot = LinePlot(
            title: "t", xLabel: "step", yLabel: "acc",
            series: [
                .init("variant (2 seeds)", [(1, 0.1), (2, 0.9)], colour: "#123456"),
                .init("", [(1, 0.2), (2, 0.8)], colour: "#123456"),
            ])
        let svg = plot.svg()
        XCTAssertEqual(
            svg.components(separatedBy: "stroke=\"#123456\" stroke-width=\"1.6\"").count - 1, 2, "both lines")
        XCTAssertEqual(svg.components(separatedBy: "variant (2 seeds)").count - 1, 1, "one legend entry")
        XCTAssertFalse(svg.contains("stroke-dasharray"), "a series with its own colour stays solid")
    }

    func testGroupedBarsScattersAndCollapsedTables() {
        var bars = GroupedBarChart(
            title: "what each method tracks", yLabel: "accuracy", bars: ["truth", "word"],
            groups: [
                .init("CCS", values: [[0.5, 0.52], [1, 0.99]]),
                .init("a long method name that wraps", values: [[0.8], [0.5]]),
            ])
        bars.references = [.init("chance", y: 0.5)]
        let svg = bars.svg()
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 6, "every seed a point")
        XCTAssertEqual(
            GroupedBarChart.wrap("a long method name that wraps", width: 10),
            ["a long", "method", "name that", "wraps"])
        let scatter = ScatterPlot(
            title: "x⁺ − x⁻", xLabel: "PC1", yLabel: "PC2",
            categories: [.init("x⁺ true", [(x: 1, y: 2), (x: .nan, y: 0)]), .init("x⁺ false", [(x: -1, y: 0)])])
        XCTAssertEqual(scatter.svg().components(separatedBy: "<circle").count - 1, 2 + 2, "finite points and two keys")
        var report = HTMLReport(title: "t")
        report.collapsed("Tables", preformatted: "a <b>")
        XCTAssertTrue(report.html().contains("<details><summary>Tables</summary><pre>a &lt;b&gt;</pre></details>"))
    }
}
