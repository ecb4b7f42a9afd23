import Foundation
import SciDLTestSupport
import XCTest

/// `--slurm` through the binary: the dry run anywhere, and with `SCIDL_SLURM_TESTS=1` (set by `.ci/run`
/// after `scripts/slurm-local.sh up`) a real submission to the one-node cluster.
final class SlurmSweepTests: XCTestCase {
    /// A small ungrokking grid of 6 runs on the p = 31 MLP, which groks in seconds.
    let grid = [
        "ungrok", "--model", "mlp", "--p", "31", "--lr", "1e-2", "--d-model", "64", "--d-mlp", "256",
        "--train-fraction", "0.5", "--sizes", "30,120,480", "--seeds", "0,1", "--steps", "3000",
    ]

    func scratch() -> String { ScratchFolder.path("scidl-slurm") }

    func testDryRunPrintsTheScriptAndSubmitsNothing() throws {
        let dir = scratch()
        let r = try scidl(
            grid + ["--out", dir, "--slurm", "--dry-run", "--partition", "short", "--array-parallelism", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("would submit 6 runs"), r.stdout)
        XCTAssertTrue(r.stdout.contains("#SBATCH --array=0-5%2\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("#SBATCH --dependency=afterok:PREREQUISITE_JOB_ID"), r.stdout)
        XCTAssertTrue(r.stdout.contains("#SBATCH --partition=short\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ungrok --out \(dir) --run-index \"$SLURM_ARRAY_TASK_ID\""), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/slurm-jobs.json"), "a dry run submitted")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/sweep.sbatch"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/pretrain.sbatch"))
    }

    /// The run settings a `--slurm --dry-run` of `arguments` would submit, one per run, after checking that it
    /// says it would submit `count` runs.
    func dryRunConfigs(
        _ arguments: [String], submitting count: Int, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [[String: Any]] {
        let dir = scratch()
        let r = try scidl(arguments + ["--out", dir, "--slurm", "--dry-run"])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stdout.contains("would submit \(count) runs"), r.stdout, file: file, line: line)
        let list = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run-list.json")))
                as? [String: Any], file: file, line: line)
        let runs = try XCTUnwrap(list["runs"] as? [[String: Any]], file: file, line: line)
        return try runs.map { try XCTUnwrap($0["config"] as? [String: Any], file: file, line: line) }
    }

    /// SciDL's own semi-grokking presets set the model and steps as well as the grid; flags still apply.
    func testASemiGrokkingPresetCentredOnDcritSetsItsRun() throws {
        for (preset, loss, sizes, grokfast) in [
            ("mlp31-near-dcrit", "softmax", 300...420, false),
            ("mlp31-stablemax-near-dcrit", "stablemax", 460...580, false),
            ("mlp31-grokfast-near-dcrit", "softmax", 360...480, true),
        ] {
            for config in try dryRunConfigs(["semigrok", "--preset", preset, "--steps", "5000"], submitting: 21) {
                XCTAssertEqual(config["modulus"] as? Int, 31)
                XCTAssertEqual((config["model"] as? [String: Any])?["kind"] as? String, "mlp")
                XCTAssertEqual(config["loss"] as? String, loss)
                XCTAssertEqual(config["steps"] as? Int, 5000, "--steps given with the preset wins")
                XCTAssertTrue(sizes.contains(try XCTUnwrap(config["trainCount"] as? Int)))
                XCTAssertEqual(config["gradientFilter"] != nil, grokfast, preset)
            }
        }
    }

    /// A preset's Grokfast filter survives the flags, which may tune it.
    func testAGrokfastPresetKeepsItsFilterUnderTheFlags() throws {
        let configs = try dryRunConfigs(
            ["semigrok", "--preset", "mlp31-grokfast-near-dcrit", "--grokfast-lambda", "5", "--optimizer", "adamw"],
            submitting: 21)
        let config = try XCTUnwrap(configs.first)
        let ema = try XCTUnwrap(
            (config["gradientFilter"] as? [String: Any])?["exponentialMovingAverage"] as? [String: Any])
        XCTAssertEqual(ema["alpha"] as? Double, 0.98)
        XCTAssertEqual(ema["lambda"] as? Double, 5)
        try assertOneLineError(
            ["semigrok", "--preset", "mlp31-grokfast-near-dcrit", "--grokfast-window", "50"], mentions: "--grokfast ma")
    }

    /// The p = 113 preset is the paper's model and optimizer at a cluster's budget; `--steps` and `--seeds`
    /// cut it down for one machine.
    func testTheTransformerSemiGrokkingPresetKeepsThePapersSettings() throws {
        for config in try dryRunConfigs(["semigrok", "--preset", "p113-near-dcrit"], submitting: 18) {
            XCTAssertEqual(config["modulus"] as? Int, 113)
            XCTAssertEqual((config["model"] as? [String: Any])?["kind"] as? String, "transformer")
            XCTAssertEqual(config["learningRate"] as? Double, 1e-3)
            XCTAssertEqual(config["weightDecay"] as? Double, 1)
            XCTAssertEqual(config["steps"] as? Int, 1_000_000)
            XCTAssertEqual(config["evalEvery"] as? Int, 500)
            XCTAssertNil(config["stopAtTestAccuracy"], "a semi-grokking run does not stop at 99 %")
            XCTAssertTrue((600...1400).contains(try XCTUnwrap(config["trainCount"] as? Int)))
        }
        let cut = try dryRunConfigs(
            ["semigrok", "--preset", "p113-near-dcrit", "--steps", "60000", "--seeds", "0,1"], submitting: 12)
        XCTAssertEqual(Set(cut.compactMap { $0["seed"] as? Int }), [0, 1])
    }

    func testSlurmFlagsExplainBadInput() throws {
        try assertOneLineError(grid + ["--partition", "short"], mentions: "add --slurm")
        try assertOneLineError(grid + ["--slurm", "--dry-run"], mentions: "need --out")
        try assertOneLineError(grid + ["--run-index", "0"], mentions: "need --out")
        try assertOneLineError(["ungrok", "--out", scratch(), "--run-index", "0"], mentions: "run-list.json")
        try assertOneLineError(["dcrit", "--out", scratch(), "--run-index", "pretrain"], mentions: "no run 'pretrain'")
        try assertOneLineError(["semigrok", "--out", scratch(), "--run-index", "-1"], mentions: "--run-index")
        try assertOneLineError(["semigrok", "--preset", "varma2023-fig7"], mentions: "belongs to `scidl ungrok`")
        try assertOneLineError(grid + ["--seeds", "0,0"], mentions: "lists 0 twice")
        try assertOneLineError(grid + ["--seeds", "3-1"], mentions: "range such as 0-6")
        try assertOneLineError(
            ["ungrok", "--preset", "varma2023-fig7", "--sizes", "100"], mentions: "drop --sizes")
        // Without sbatch on the path: one line that says where Slurm can come from.
        try assertOneLineError(
            grid + ["--out", scratch(), "--slurm"], mentions: "sbatch was not found",
            environment: ["PATH": "/nonexistent"])
    }

    /// Submits the grid, cancels one task after its first checkpoint, resubmits, and checks that the merged
    /// results equal the same grid run here, value for value (but the wall time).
    func testASlurmSweepWithAKilledTaskEqualsTheLocalSweep() throws {
        guard ProcessInfo.processInfo.environment["SCIDL_SLURM_TESTS"] == "1" else {
            throw XCTSkip("needs a Slurm cluster: scripts/slurm-local.sh up, then SCIDL_SLURM_TESTS=1")
        }
        // One thread per run, as each task of --cpus-per-task 1 has: how a product is split across threads
        // changes the last bits of its sums.
        let local = scratch()
        let localRun = try scidl(grid + ["--out", local, "--workers", "2"], environment: ["SCIDL_THREADS": "1"])
        XCTAssertEqual(localRun.status, 0, localRun.stderr)

        let dir = scratch()
        let first = try scidl(grid + ["--out", dir, "--slurm"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let jobs = submittedJobs(first.stdout)
        XCTAssertEqual(jobs.count, 2, "the pre-training and the array: \(first.stdout)")
        // Task 4 (D = 480, seed 0) is cancelled once it has written a checkpoint, before it finishes.
        let run = URL(fileURLWithPath: dir).appendingPathComponent("runs/wd1-D480-subset-s0")
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoint.safetensors").path) {
            guard Date() < deadline else { return XCTFail("task 4 never wrote a checkpoint") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(try shell("scancel", ["\(jobs[1])_4"]), 0)
        try waitForJobs(jobs)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("result.csv").path))

        let second = try scidl(grid + ["--out", dir, "--slurm"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("5 of 6 runs finished"), second.stdout)
        XCTAssertTrue(second.stdout.contains("1 failed or were cancelled"), second.stdout)
        let resubmitted = submittedJobs(second.stdout)
        XCTAssertEqual(resubmitted.count, 1, "only the array, only the cancelled run: \(second.stdout)")
        XCTAssertTrue(
            try String(contentsOfFile: dir + "/sweep.sbatch", encoding: .utf8).contains("#SBATCH --array=4\n"))
        try waitForJobs(resubmitted)

        let third = try scidl(grid + ["--out", dir, "--slurm"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stdout.contains("6 of 6 runs finished"), third.stdout)
        XCTAssertTrue(submittedJobs(third.stdout).isEmpty, third.stdout)
        XCTAssertEqual(try csvWithoutWallTime(dir), try csvWithoutWallTime(local))
    }

    /// `scidl compare` on Slurm: the dry run names every variant × seed as one task; on the cluster, a short
    /// preset's tasks merge into the same results as the comparison run here.
    func testAComparisonOnSlurmIsOneTaskPerVariantAndSeed() throws {
        let preset = ["compare", "--preset", "liu2022", "--steps", "40", "--seeds", "0-1"]
        let dry = scratch()
        let r = try scidl(preset + ["--out", dry, "--slurm", "--dry-run"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("would submit 8 runs"), r.stdout)
        XCTAssertTrue(r.stdout.contains("#SBATCH --array=0-7"), r.stdout)
        XCTAssertTrue(r.stdout.contains("compare --out \(dry) --run-index \"$SLURM_ARRAY_TASK_ID\""), r.stdout)
        guard ProcessInfo.processInfo.environment["SCIDL_SLURM_TESTS"] == "1" else {
            throw XCTSkip("needs a Slurm cluster: scripts/slurm-local.sh up, then SCIDL_SLURM_TESTS=1")
        }
        let local = scratch()
        let localRun = try scidl(preset + ["--out", local, "--workers", "2"], environment: ["SCIDL_THREADS": "1"])
        XCTAssertEqual(localRun.status, 0, localRun.stderr)
        let dir = scratch()
        let first = try scidl(preset + ["--out", dir, "--slurm"])
        XCTAssertEqual(first.status, 0, first.stderr)
        try waitForJobs(submittedJobs(first.stdout))
        let merged = try scidl(preset + ["--out", dir, "--slurm"])
        XCTAssertTrue(merged.stdout.contains("8 of 8 runs finished"), merged.stdout)
        XCTAssertEqual(try csvWithoutWallTime(dir), try csvWithoutWallTime(local))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/summary.json"))
    }

    let tinyGrok = ["grok", "--p", "7", "--d-model", "8", "--heads", "2", "--d-mlp", "16", "--steps", "4", "--quiet"]

    func testAGridOfAnyCommandRunsHereAndSkipsFinishedRuns() throws {
        let dir = scratch()
        let first = try scidl(["sweep", "--vary", "seed=0,1", "--vary", "lr=1e-3,3e-3", "--out", dir, "--"] + tinyGrok)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("4 of 4 runs finished"), first.stdout)
        let rows = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 5)
        XCTAssertTrue(rows[0].hasPrefix("run,seed,lr,"), String(rows[0]))
        XCTAssertTrue(rows[2].hasPrefix("seed-0_lr-3e-3,0,3e-3,"), String(rows[2]))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/runs/seed-1_lr-3e-3/summary.json"))
        let again = try scidl(["sweep", "--vary", "seed=0,1", "--vary", "lr=1e-3,3e-3", "--out", dir, "--"] + tinyGrok)
        XCTAssertTrue(again.stdout.contains("4 finished before"), again.stdout)
        XCTAssertFalse(again.stdout.contains("run 1 of"), again.stdout)
        try assertOneLineError(
            ["sweep", "--vary", "seed=0,1,2", "--out", dir, "--"] + tinyGrok, mentions: "other settings")
        try assertOneLineError(["sweep", "--vary", "seed=0,1", "--"] + tinyGrok + ["--out", "x"], mentions: "--out")
        // A run that fails is reported, not marked finished, and the others still run.
        let failing = scratch()
        let bad = try scidl(
            ["sweep", "--vary", "heads=2,3", "--out", failing, "--"] + tinyGrok.filter { $0 != "2" && $0 != "--heads" })
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stdout.contains("1 of 2 runs finished"), bad.stdout)
        XCTAssertTrue(bad.stderr.contains("1 run failed (heads-3)"), bad.stderr)
    }

    func testElicitOnSlurmIsOneTaskPerLayer() throws {
        let dir = scratch()
        let r = try scidl(elicit + ["--cache", scratch(), "--out", dir, "--slurm", "--dry-run", "--time", "10:00"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("#SBATCH --array=0-1\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("#SBATCH --time=10:00\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("sweep --out \(dir) --run-index"), r.stdout)
        let list = try String(contentsOfFile: dir + "/run-list.json", encoding: .utf8)
        XCTAssertTrue(list.contains("\"layers-6\""), list)
        XCTAssertFalse(list.contains("--slurm") || list.contains("--time"), "Slurm flags reached the runs: \(list)")
        try assertOneLineError(["elicit", "--data", "arithmetic", "--out", scratch(), "--slurm"], mentions: "--layers")
    }

    let elicit = [
        "elicit", "--data", "arithmetic", "--limit", "60", "--layers", "3,6", "--ccs-epochs", "50", "--seeds", "0,1",
    ]

    /// `elicit --slurm` merges the same rows as the same grid of layers run here (one thread per run, as each
    /// task has).
    func testElicitOverLayersOnSlurmEqualsTheGridRunHere() throws {
        guard ProcessInfo.processInfo.environment["SCIDL_SLURM_TESTS"] == "1" else {
            throw XCTSkip("needs a Slurm cluster: scripts/slurm-local.sh up, then SCIDL_SLURM_TESTS=1")
        }
        let local = scratch()
        let here = try scidl(
            ["sweep", "--vary", "layers=3,6", "--out", local, "--"] + elicit.filter { $0 != "--layers" && $0 != "3,6" }
                + ["--cache", scratch()], environment: ["SCIDL_THREADS": "1"])
        XCTAssertEqual(here.status, 0, here.stderr)
        let dir = scratch()
        let cache = scratch()
        let first = try scidl(elicit + ["--cache", cache, "--out", dir, "--slurm"])
        XCTAssertEqual(first.status, 0, first.stderr)
        try waitForJobs(submittedJobs(first.stdout))
        let merged = try scidl(elicit + ["--cache", cache, "--out", dir, "--slurm"])
        XCTAssertTrue(merged.stdout.contains("2 of 2 runs finished"), merged.stdout)
        XCTAssertEqual(
            try String(contentsOfFile: dir + "/results.csv", encoding: .utf8),
            try String(contentsOfFile: local + "/results.csv", encoding: .utf8))
    }

    func testARejectedSubmissionIsOneLineAndSubmitsNothing() throws {
        guard ProcessInfo.processInfo.environment["SCIDL_SLURM_TESTS"] == "1" else {
            throw XCTSkip("needs a Slurm cluster: scripts/slurm-local.sh up, then SCIDL_SLURM_TESTS=1")
        }
        let dir = scratch()
        try assertOneLineError(
            ["sweep", "--vary", "seed=0,1", "--out", dir, "--slurm", "--partition", "nosuch", "--"] + tinyGrok,
            mentions: "invalid partition specified")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/slurm-jobs.json"))
    }

    /// The job ids in "submitted job N" lines.
    func submittedJobs(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("submitted job ") else { return nil }
            return line.dropFirst("submitted job ".count).split(separator: ":").first.map(String.init)
        }
    }

    func waitForJobs(_ ids: [String], timeout: TimeInterval = 600) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let out = try shellOutput("squeue", ["--me", "--noheader", "--array", "--format=%F"])
            if Set(out.split(separator: "\n").map(String.init)).isDisjoint(with: ids) { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTFail("jobs \(ids) still queued after \(timeout) s")
    }

    func shell(_ program: String, _ arguments: [String]) throws -> Int32 {
        let p = try Process.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: [program] + arguments)
        p.waitUntilExit()
        return p.terminationStatus
    }

    func shellOutput(_ program: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    func csvWithoutWallTime(_ dir: String) throws -> [[String]] {
        let rows = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let wall = rows.first?.firstIndex(of: "wall_seconds")
        return rows.map { row in row.enumerated().filter { $0.offset != wall }.map(\.element) }
    }
}
