import Foundation
import SciDLReports
import XCTest

final class CommandGridTests: XCTestCase {
    func testEveryCombinationIsOneNamedRunWithItsFlags() throws {
        let grid = try CommandGrid(
            command: ["elicit", "--data", "cities.csv"],
            axes: [.init(parsing: "--layers=10,20"), .init(parsing: "template=truth,yes-no;statement")])
        XCTAssertEqual(grid.axes[1].values, ["truth,yes-no", "statement"], "';' keeps the commas of a value")
        XCTAssertEqual(
            grid.points.map(\.name),
            [
                "layers-10_template-truth_yes-no", "layers-10_template-statement", "layers-20_template-truth_yes-no",
                "layers-20_template-statement",
            ])
        XCTAssertEqual(
            grid.points[1].arguments,
            ["elicit", "--data", "cities.csv", "--layers", "10", "--template", "statement"])
        for bad in ["layers", "=1,2", "layers=", "seed=1,,2", "seed=1,1"] {
            XCTAssertThrowsError(try CommandGrid.Axis(parsing: bad), bad)
        }
        XCTAssertThrowsError(try CommandGrid(command: ["grok", "--out", "x"], axes: [.init(parsing: "seed=1,2")])) {
            XCTAssertTrue("\($0)".contains("--out is set by the sweep"), "\($0)")
        }
        XCTAssertThrowsError(try CommandGrid(command: ["grok", "--seed", "3"], axes: [.init(parsing: "seed=1,2")]))
        XCTAssertThrowsError(try CommandGrid(command: [], axes: [.init(parsing: "seed=1,2")]))
        XCTAssertThrowsError(try CommandGrid(command: ["grok"], axes: []))
    }

    /// The merge takes a finished run's results.csv rows (quoted fields kept), or the numbers of its
    /// summary.json; unfinished runs add nothing.
    func testMergePrefixesEachRunsRowsWithItsValues() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grid-\(UUID().uuidString)")
        let grid = try CommandGrid(command: ["x"], axes: [.init(parsing: "seed=0,1,2")])
        func write(_ text: String, _ file: String, _ point: Int) throws {
            let folder = grid.folder(of: grid.points[point], in: dir)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try text.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        try write("template,accuracy\n\"a, b\",0.5\nc,0.75\n", "results.csv", 0)
        try write(
            #"{"steps": 0, "stopped_early": true, "final": {"test_accuracy": 1}, "config": {"p": 7}}"#, "summary.json",
            1)
        try write("template,accuracy\nd,0.25\n", "results.csv", 2)
        try grid.markFinished(grid.points[0], in: dir, seconds: 1)
        try grid.markFinished(grid.points[1], in: dir, seconds: 1)
        XCTAssertEqual(try grid.merge(in: dir), 2)
        XCTAssertEqual(
            try String(contentsOf: dir.appendingPathComponent("results.csv"), encoding: .utf8),
            """
            run,seed,template,accuracy,final.test_accuracy,steps
            seed-0,0,"a, b",0.5,,
            seed-0,0,c,0.75,,
            seed-1,1,,,1,0

            """)
        let summary = try JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent("summary.json")))
        let runs = try XCTUnwrap((summary as? [String: Any])?["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["finished"] as? Bool }, [true, true, false])
    }
}
