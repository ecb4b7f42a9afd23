import Foundation
import SciDLTestSupport
import XCTest

/// `kill -9` at arbitrary points of a run and of a sweep, then resuming: the files come out byte-identical
/// to an uninterrupted run's (a sweep's apart from its wall-clock column).
final class KillAndResumeTests: XCTestCase {
    let grok = [
        "grok", "--p", "23", "--d-model", "32", "--heads", "2", "--d-mlp", "64", "--steps", "3000", "--eval-every",
        "50", "--checkpoint-every", "200", "--no-early-stop", "--quiet",
    ]

    func scratch() -> String { ScratchFolder.path("scidl-kill") }

    /// Starts `arguments`, waits until `ready` exists plus `delay` seconds, and kills it with SIGKILL.
    func kill(_ arguments: [String], after ready: String, delay: Double) throws {
        let process = Process()
        process.executableURL = try scidlBinary()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<1000 where !FileManager.default.fileExists(atPath: ready) && process.isRunning { usleep(5_000) }
        usleep(useconds_t(delay * 1e6))
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func testAKilledRunResumesToTheSameFiles() throws {
        let whole = scratch()
        XCTAssertEqual(try scidl(grok + ["--out", whole]).status, 0)
        for delay in [0.05, 0.7] {
            let killed = scratch()
            try kill(grok + ["--out", killed], after: killed + "/checkpoint.safetensors", delay: delay)
            let r = try scidl(["grok", "--resume", killed, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            for file in ["metrics.jsonl", "metrics.csv"] {
                XCTAssertEqual(
                    try String(contentsOfFile: killed + "/" + file, encoding: .utf8),
                    try String(contentsOfFile: whole + "/" + file, encoding: .utf8), "\(file), killed after \(delay) s")
            }
        }
    }

    func testAKilledSweepResumesToTheSameResults() throws {
        let sweep = [
            "dcrit", "--p", "11", "--d-model", "32", "--heads", "2", "--d-mlp", "64", "--sizes", "20,40,60", "--steps",
            "400", "--workers", "1",
        ]
        let whole = scratch()
        let first = try scidl(sweep + ["--out", whole])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("cost estimate: 6 runs"), first.stdout)
        // Every run finished: a re-run only rewrites the report, with nothing left to estimate.
        let again = try scidl(sweep + ["--out", whole])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stdout.contains("cost estimate"), again.stdout)
        let killed = scratch()
        try kill(sweep + ["--out", killed], after: killed + "/results.csv", delay: 0.1)
        let r = try scidl(sweep + ["--out", killed])
        XCTAssertEqual(r.status, 0, r.stderr)
        func withoutWallTime(_ path: String) throws -> [String] {
            try String(contentsOfFile: path + "/results.csv", encoding: .utf8).split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
            }
        }
        XCTAssertEqual(try withoutWallTime(killed), try withoutWallTime(whole))
    }

    func testAKilledElicitRunRerunsToTheSameResults() throws {
        let elicit = [
            "elicit", "--data", "arithmetic", "--limit", "60", "--layers", "3", "--methods", "pca,random,ccs",
        ]
        let whole = scratch()
        XCTAssertEqual(try scidl(elicit + ["--no-cache", "--out", whole]).status, 0)
        for delay in [0.2, 1.5] {
            // Killed while encoding (or probing): the cache file is written whole or not at all.
            let (killed, cache) = (scratch(), scratch())
            try kill(elicit + ["--cache", cache, "--out", killed], after: killed + "/scidl-run.json", delay: delay)
            let r = try scidl(elicit + ["--cache", cache, "--out", killed])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(
                try String(contentsOfFile: killed + "/results.csv", encoding: .utf8),
                try String(contentsOfFile: whole + "/results.csv", encoding: .utf8), "killed after \(delay) s")
        }
    }
}
