import Foundation
import SciDLGrokking
import SciDLReports
import SciDLSupport
import SciDLTensor
import SciDLTestSupport
import XCTest

func scratchDirectory(_ name: String) -> URL { ScratchFolder.url("scidl-test-\(name)") }

func read(_ dir: URL, _ file: String) throws -> String {
    try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
}

/// A small, quick configuration.
func smallConfig(steps: Int = 60, model: ModelKind = .transformer) -> GrokConfig {
    var c = GrokConfig()
    c.modulus = 23
    c.model = ModelShape(kind: model, modelWidth: 32, heads: 4, mlpWidth: 64)
    c.steps = steps
    c.evalEvery = 10
    c.checkpointEvery = 20
    c.stopAtTestAccuracy = nil
    return c
}

final class TrainingTests: XCTestCase {
    /// Products large enough to be split across cores (p = 59, d_mlp 256) give the same bits on 1, 2 and 3
    /// threads: the BLAS's panels and the mixing gradient's blocks are fixed by shape, not thread count.
    func testTheNumbersDoNotDependOnTheNumberOfThreads() throws {
        for kind in ModelKind.allCases {
            var config = smallConfig(steps: 12, model: kind)
            config.modulus = 59
            config.model = ModelShape(kind: kind, modelWidth: 64, heads: 4, mlpWidth: 256)
            config.evalEvery = 4
            let outputs = try [1, 2, 3].map { threads in
                try Parallelism.withThreadBudget(threads) {
                    let dir = scratchDirectory("threads\(threads)")
                    _ = try GrokRun(config: config, directory: dir).run()
                    return try read(dir, "metrics.csv")
                }
            }
            XCTAssertEqual(outputs[0], outputs[1], "\(kind): 1 and 2 threads")
            XCTAssertEqual(outputs[0], outputs[2], "\(kind): 1 and 3 threads")
        }
    }

    func testSameSeedGivesIdenticalMetricsFiles() throws {
        var outputs: [String] = []
        for _ in 0..<2 {
            let dir = scratchDirectory("determinism")
            _ = try GrokRun(config: smallConfig(), directory: dir).run()
            outputs.append(try read(dir, "metrics.jsonl") + read(dir, "metrics.csv"))
        }
        XCTAssertEqual(outputs[0], outputs[1])
        var other = smallConfig()
        other.seed = 1
        let dir = scratchDirectory("determinism-other")
        _ = try GrokRun(config: other, directory: dir).run()
        XCTAssertNotEqual(try read(dir, "metrics.jsonl"), outputs[0].components(separatedBy: "step,").first)
    }

    /// A config file written before a setting existed loads with that setting's default; an optional one
    /// left out (as nil ones are) stays nil; a wrong value is a sentence.
    func testOlderConfigFilesLoadWithDefaults() throws {
        var config = smallConfig(steps: 60)
        config.stopAtTestAccuracy = nil
        var object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any])
        object["evalEvery"] = nil
        object["beta2"] = nil
        let read = try GrokConfig(json: JSONSerialization.data(withJSONObject: object), source: "old.json")
        XCTAssertEqual(read.evalEvery, GrokConfig().evalEvery)
        XCTAssertEqual(read.beta2, GrokConfig().beta2)
        XCTAssertNil(read.stopAtTestAccuracy)
        XCTAssertEqual(read.steps, 60)
        object["steps"] = "many"
        XCTAssertThrowsError(try GrokConfig(json: JSONSerialization.data(withJSONObject: object), source: "bad.json"))
    }

    func testResumingAfterAKillGivesTheSameNumbersAsAnUninterruptedRun() throws {
        for batch in [nil, 64] as [Int?] {  // full batch, and minibatches drawn from a saved generator
            var config = smallConfig(steps: 60)
            config.batchSize = batch
            let whole = scratchDirectory("whole")
            _ = try GrokRun(config: config, directory: whole).run()

            // "Kill" after step 50: run to 50, checkpointed at 40, with metrics logged to 50 (past the checkpoint).
            let killed = scratchDirectory("killed")
            do {  // the killed process: its run (and the folder's lock) goes away with it
                let first = try GrokRun(config: config, directory: killed)
                try first.train(upTo: 50)
                XCTAssertEqual(first.lastCheckpoint, 40)
            }

            let resumed = try GrokRun(resuming: killed)
            XCTAssertEqual(resumed.step, 40)
            _ = try resumed.run()
            XCTAssertEqual(
                try read(killed, "metrics.jsonl"), try read(whole, "metrics.jsonl"),
                "batch \(String(describing: batch))")
            XCTAssertEqual(try read(killed, "metrics.csv"), try read(whole, "metrics.csv"))
        }
    }

    func testARunRefusesToOverwriteAnotherAndWritesItsOutputs() throws {
        let dir = scratchDirectory("outputs")
        let summary = try GrokRun(config: smallConfig(steps: 20), directory: dir).run()
        for f in [
            "config.json", "metrics.jsonl", "metrics.csv", "checkpoint.safetensors", "summary.json", "report.html",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), f)
        }
        XCTAssertEqual(summary.steps, 20)
        let json = try JSONSerialization.jsonObject(with: Data(try read(dir, "summary.json").utf8)) as! [String: Any]
        XCTAssertNotNil(json["wall_seconds"] as? Double)
        XCTAssertTrue(json.keys.contains("test_accuracy_99_step"))
        XCTAssertTrue(try read(dir, "report.html").contains("<svg"))
        XCTAssertThrowsError(try GrokRun(config: smallConfig(), directory: dir)) {
            XCTAssertTrue(($0 as! SciDLError).message.contains("--resume"))
        }
    }

    func testCorruptCheckpointIsReportedNotCrashed() throws {
        let dir = scratchDirectory("corrupt")
        _ = try GrokRun(config: smallConfig(steps: 20), directory: dir).run()
        let url = dir.appendingPathComponent("checkpoint.safetensors")
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        XCTAssertThrowsError(try GrokRun(resuming: dir)) {
            XCTAssertTrue(($0 as! SciDLError).message.contains("truncated"), "\($0)")
        }
        XCTAssertThrowsError(try GrokRun(resuming: scratchDirectory("empty"))) {
            XCTAssertTrue(($0 as! SciDLError).message.contains("no checkpoint"))
        }
    }

    func testDivergingLossStopsTheRunAndKeepsTheCheckpoint() throws {
        var config = smallConfig(steps: 200)
        config.learningRate = 1e30
        config.weightDecay = 0  // lr·wd ≥ 1 is refused before training; without decay the steps blow up
        config.checkpointEvery = 1
        let dir = scratchDirectory("nan")
        XCTAssertThrowsError(try GrokRun(config: config, directory: dir).run()) {
            XCTAssertTrue(($0 as! SciDLError).message.contains("became"), "\($0)")
        }
        let resumed = try GrokRun(resuming: dir)
        XCTAssertTrue(resumed.model.parameters.allSatisfy { $0.value.isFinite })
    }
}
