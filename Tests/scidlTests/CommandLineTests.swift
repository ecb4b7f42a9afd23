import Foundation
import SciDLTestSupport
import XCTest

final class CommandLineTests: XCTestCase {
    let tiny = [
        "--p", "7", "--d-model", "8", "--heads", "2", "--d-mlp", "16", "--steps", "4", "--eval-every", "2", "--quiet",
    ]

    func scratch() -> String { ScratchFolder.path("scidl-cli") }

    func testBadFlagsGiveOneClearLineAndStatus2() throws {
        try assertOneLineError(["grok", "--train-fraction", "1.5"], mentions: "(0, 1)")
        try assertOneLineError(["grok", "--train-fraction", "0"], mentions: "(0, 1)")
        try assertOneLineError(["grok", "--operation", "divide", "--p", "100"], mentions: "prime")
        try assertOneLineError(["grok", "--steps", "0"], mentions: "--steps")
        try assertOneLineError(["grok", "--train-fraction", "0.3", "--train-count", "10"], mentions: "contradict")
        try assertOneLineError(["grok", "--operation", "power"], mentions: "'power' is invalid for '--operation")
        try assertOneLineError(["grok", "--heads", "3"], mentions: "divisible")
        try assertOneLineError(["grok", "--resume", scratch()], mentions: "no checkpoint")
        try assertOneLineError(["grok", "--bogus"], mentions: "--bogus")
    }

    func testTinyRunThenResumeRulesAndCorruptCheckpoint() throws {
        let dir = scratch()
        let ok = try scidl(["grok", "--out", dir] + tiny)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("4 steps"), ok.stdout)
        try assertOneLineError(["grok", "--out", dir] + tiny, mentions: "already holds a run")
        try assertOneLineError(["grok", "--resume", dir, "--p", "11"], mentions: "--p")
        let more = try scidl(["grok", "--resume", dir, "--steps", "6", "--quiet"])
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertTrue(more.stdout.contains("6 steps"), more.stdout)
        let ckpt = URL(fileURLWithPath: dir).appendingPathComponent("checkpoint.safetensors")
        try Data("garbage".utf8).write(to: ckpt)
        try assertOneLineError(["grok", "--resume", dir, "--steps", "8"], mentions: "checkpoint")
    }

    func testToyRunsAndRejectsBadSettings() throws {
        let dir = scratch()
        let r = try scidl(["toy", "--out", dir, "--steps", "200"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("D_crit: analytic"), r.stdout)
        for f in ["results.csv", "summary.json", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + f), f)
        }
        try assertOneLineError(["toy", "--weight-decay", "3"], mentions: "weight decay")
        try assertOneLineError(["toy", "--steps", "0"], mentions: "--steps")
    }

    func testSweepCommandsExplainBadInput() throws {
        try assertOneLineError(["dcrit", "--sizes", "100,x"], mentions: "'x'")
        try assertOneLineError(["dcrit", "--weight-decay", "1", "--weight-decays", "0.3,1"], mentions: "contradict")
        try assertOneLineError(["semigrok", "--sizes", "100000"], mentions: "between 1 and")
        // A run that has not grokked cannot ungrok.
        let dir = scratch()
        XCTAssertEqual(try scidl(["grok", "--out", dir] + tiny).status, 0)
        try assertOneLineError(
            ["ungrok", "--from", dir, "--out", scratch(), "--sizes", "5"], mentions: "grokked network")
    }

    func testLiteratureFlagsExplainBadInput() throws {
        try assertOneLineError(["grok", "--grokfast-alpha", "0.9"], mentions: "need --grokfast")
        try assertOneLineError(["grok", "--grokfast", "ema", "--grokfast-window", "50"], mentions: "--grokfast ma")
        try assertOneLineError(["grok", "--grokfast", "ma", "--grokfast-alpha", "0.9"], mentions: "--grokfast ema")
        try assertOneLineError(["grok", "--grokfast", "ema", "--grokfast-alpha", "1.5"], mentions: "[0, 1)")
        try assertOneLineError(["grok", "--grokfast", "ma", "--grokfast-window", "0"], mentions: "at least 1")
        try assertOneLineError(["grok", "--init-scale", "-2"], mentions: "--init-scale")
        try assertOneLineError(["grok", "--loss", "sparsemax"], mentions: "--loss")
        try assertOneLineError(["grok", "--optimizer", "sgd"], mentions: "--optimizer")
        try assertOneLineError(["grok", "--adam-epsilon", "0"], mentions: "--adam-epsilon")
        try assertOneLineError(["compare"], mentions: "--preset")
        try assertOneLineError(["compare", "--preset", "power2022"], mentions: "--preset")
        // Every variant together trains.
        let dir = scratch()
        let ok = try scidl(
            [
                "grok", "--out", dir, "--grokfast", "ma", "--grokfast-window", "2", "--loss", "stablemax",
                "--optimizer",
                "orthograd", "--init-scale", "2", "--constrain-norm", "--adam-epsilon", "1e-25",
            ] + tiny)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let config = try String(contentsOfFile: dir + "/config.json", encoding: .utf8)
        for setting in [
            "\"stablemax\"", "\"orthogonalGradients\" : true", "\"constrainNorm\" : true", "\"window\" : 2",
        ] {
            XCTAssertTrue(config.contains(setting), "\(setting) in \(config)")
        }
    }

    func testBenchPrintsOneJSONLine() throws {
        let r = try scidl([
            "bench", "grok", "--p", "7", "--d-model", "8", "--heads", "2", "--d-mlp", "16",
            "--timed-steps", "3", "--warmup", "1",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertNotNil(json?["ms_per_step"] as? Double)
    }
}
