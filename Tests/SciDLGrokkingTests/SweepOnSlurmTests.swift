import Foundation
import SciDLSupport
import SciDLTensor
import XCTest

@testable import SciDLGrokking

/// A sweep sent to Slurm without a cluster: the script it would submit, and its tasks run by hand.
final class SweepOnSlurmTests: XCTestCase {
    func testTheSbatchScriptHoldsTheArrayTheResourcesAndOneCommand() throws {
        XCTAssertEqual(SbatchScript.arraySpecification([8, 0, 1, 2, 5, 7, 2]), "0-2,5,7-8")
        XCTAssertEqual(SbatchScript.arraySpecification([3]), "3")
        let resources = try SlurmResources(
            partition: "gpu", time: "2:00:00", cpusPerTask: 2, memory: "4G", account: "lab", arrayParallelism: 5,
            extraArguments: ["--qos=high"])
        let script = SbatchScript(
            jobName: "scidl-ungrok", resources: resources, arrayIndices: [0, 1, 2, 6], afterSuccessOf: "41",
            logFolder: URL(fileURLWithPath: "/data/sweep/slurm"),
            command: ["/opt/scidl", "ungrok", "--out", "/data/my sweep", "--run-index", SbatchScript.arrayTaskIndex])
        let expected = """
            #!/bin/bash
            # Written by scidl. Running the same scidl command again merges the finished runs; with --slurm it
            # also resubmits the runs that are neither finished nor queued.
            #SBATCH --job-name=scidl-ungrok
            #SBATCH --array=0-2,6%5
            #SBATCH --output=/data/sweep/slurm/%x-%A_%a.out
            #SBATCH --dependency=afterok:41
            #SBATCH --kill-on-invalid-dep=yes
            #SBATCH --partition=gpu
            #SBATCH --account=lab
            #SBATCH --time=2:00:00
            #SBATCH --cpus-per-task=2
            #SBATCH --mem=4G
            #SBATCH --qos=high
            set -euo pipefail
            export SCIDL_THREADS="${SLURM_CPUS_PER_TASK:-1}"
            exec /opt/scidl ungrok --out '/data/my sweep' --run-index "$SLURM_ARRAY_TASK_ID"

            """
        XCTAssertEqual(script.text, expected)
        let single = SbatchScript(
            jobName: "pre", resources: try SlurmResources(), logFolder: URL(fileURLWithPath: "/l"), command: ["x"])
        XCTAssertTrue(single.text.contains("#SBATCH --output=/l/%x-%j.out\n"), single.text)
        XCTAssertFalse(single.text.contains("--array"))
        XCTAssertThrowsError(try SlurmResources(cpusPerTask: 0))
        XCTAssertThrowsError(try SlurmResources(arrayParallelism: 0))
        XCTAssertThrowsError(try SlurmResources(extraArguments: ["qos=high"])) {
            XCTAssertTrue("\($0)".contains("--sbatch-arg"), "\($0)")
        }
        XCTAssertThrowsError(try SlurmResources(partition: "a b"))
    }

    /// The tasks of a submitted sweep, one killed half-way and run again, merge into the same results as the
    /// sweep run locally: value for value but the wall time.
    func testTasksOfTheRunListMergeIntoTheLocalSweepsResults() throws {
        var base = smallMLP(steps: 300)
        base.checkpointEvery = 100
        let experiment = try SemiGrokkingExperiment(base: base, sizes: [120, 240], weightDecays: [1], seeds: [0, 1])
        let local = scratchDirectory("local")
        _ = try experiment.run(in: local, workers: 2)

        let submitted = scratchDirectory("submitted")
        let (none, status) = try experiment.submitToSlurm(
            in: submitted, resources: try SlurmResources(), executable: URL(fileURLWithPath: "/opt/scidl"),
            dryRun: true)
        XCTAssertTrue(none.isEmpty)
        XCTAssertEqual(status.submitted.count, 4)
        XCTAssertNil(status.jobID)
        XCTAssertTrue(status.script?.contains("#SBATCH --array=0-3\n") ?? false, status.script ?? "no script")
        XCTAssertTrue(
            status.script?.contains("exec /opt/scidl semigrok --out \(submitted.path) --run-index") ?? false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: submitted.appendingPathComponent("slurm-jobs.json").path))

        // Task 2 is killed after its checkpoint at step 200: a folder with a checkpoint and no result.
        let plan = try Sweep.plannedRun(.run(2), in: submitted, command: "semigrok")
        XCTAssertEqual(plan, experiment.plans()[2])
        // One thread per task, as `--cpus-per-task 1` gives and as the local sweep ran each of its two workers:
        // the BLAS's result for a row of a product depends on the rows it is called with, and a product is
        // split across threads, so the last bits of a run depend on its thread count.
        try Parallelism.withThreadBudget(1) {
            do {
                let killed = try GrokRun(
                    config: plan.config, directory: submitted.appendingPathComponent("runs/\(plan.name)"))
                try killed.train(upTo: 250)
            }
            for index in 0..<4 { _ = try SemiGrokkingExperiment.runTask(index, in: submitted) }
        }
        // A task resubmitted for a run that has finished does not redo it.
        let resultFile = submitted.appendingPathComponent("runs/\(plan.name)/result.csv")
        let stamp = try FileManager.default.attributesOfItem(atPath: resultFile.path)[.modificationDate] as! Date
        _ = try SemiGrokkingExperiment.runTask(2, in: submitted)
        XCTAssertEqual(
            stamp, try FileManager.default.attributesOfItem(atPath: resultFile.path)[.modificationDate] as! Date)
        XCTAssertThrowsError(try SemiGrokkingExperiment.runTask(4, in: submitted)) {
            XCTAssertTrue("\($0)".contains("outside the run list"), "\($0)")
        }
        XCTAssertThrowsError(try CriticalSizeExperiment.runTask(0, in: submitted)) {
            XCTAssertTrue("\($0)".contains("not of `scidl dcrit`"), "\($0)")
        }

        let (merged, after) = try experiment.submitToSlurm(
            in: submitted, resources: try SlurmResources(), executable: URL(fileURLWithPath: "/opt/scidl"),
            dryRun: true)
        XCTAssertEqual(merged.count, 4)
        XCTAssertEqual(after.finished, 4)
        XCTAssertNil(after.script, "nothing is left to submit")
        XCTAssertEqual(
            try resultsWithoutWallTime(submitted), try resultsWithoutWallTime(local),
            "the tasks' merged results differ from the local sweep's")
        for file in ["summary.json", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: submitted.appendingPathComponent(file).path), file)
        }
    }

    func testUngrokkingSeedsDrawOtherSubsetsOfTheSameSplit() throws {
        let experiment = try UngrokkingExperiment(
            base: smallMLP(steps: 10), sizes: [50], weightDecays: [1], steps: 10, seeds: [0, 3],
            pretrained: scratchDirectory("sweep").appendingPathComponent("pretrain"), pretrains: true)
        let plans = try experiment.plans()
        XCTAssertEqual(plans.map(\.name), ["wd1-D50-subset-s0", "wd1-D50-subset-s3"])
        let runs = try plans.map { plan -> GrokRun in
            var c = plan.config
            c.initialCheckpoint = nil
            return try GrokRun(config: c, directory: scratchDirectory(plan.name))
        }
        XCTAssertEqual(runs[0].testIndices, runs[1].testIndices, "the test set must stay the grokked network's")
        XCTAssertNotEqual(runs[0].trainIndices, runs[1].trainIndices)
        let full = try GrokRun(config: smallMLP(steps: 1), directory: scratchDirectory("full"))
        for run in runs { XCTAssertTrue(Set(run.trainIndices).isSubset(of: full.trainIndices)) }
        XCTAssertEqual(experiment.prerequisite?.name, "pretrain")
        XCTAssertEqual(experiment.prerequisite?.isFinished, false)
    }

    func testPresetsAreThePapersGrids() {
        XCTAssertEqual(SweepPreset.varma2023Fig7.sizes, [390, 488, 610, 763, 955, 1194, 1494])
        XCTAssertEqual(SweepPreset.varma2023Fig7.seeds.count, 10)
        let fig5 = SweepPreset.varma2023Fig5.sizes
        XCTAssertEqual(fig5.count, 20)
        XCTAssertEqual(fig5.first, 1500)
        XCTAssertEqual(fig5.last, 2050)
    }
}

/// A sweep's results.csv without its wall-time column, which no two runs share.
func resultsWithoutWallTime(_ dir: URL) throws -> [[String]] {
    let rows = try String(contentsOf: dir.appendingPathComponent("results.csv"), encoding: .utf8)
        .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard let wall = rows.first?.firstIndex(of: "wall_seconds") else { return rows }
    return rows.map { row in row.enumerated().filter { $0.offset != wall }.map(\.element) }
}
