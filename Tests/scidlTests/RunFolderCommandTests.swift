import Foundation
import SciDLTestSupport
import XCTest

/// Issue 11's ways of losing or mixing results, each through the real binary: a folder belongs to the
/// command and settings that made it, one process writes it at a time, and messages say what is true.
final class RunFolderCommandTests: XCTestCase {
    let tiny = ["--p", "7", "--d-model", "8", "--heads", "2", "--d-mlp", "16", "--quiet"]
    let activations = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SciDLLatentKnowledgeTests/Fixtures/pairs.npz").path

    func scratch() -> String { ScratchFolder.path("scidl-folder") }

    func elicit(_ out: String, epochs: String = "10") -> [String] {
        ["elicit", "--activations", activations, "--test-fraction", "0.5", "--ccs-epochs", epochs, "--out", out]
    }

    func testNoCommandWritesIntoAnotherCommandsFolder() throws {
        let grok = scratch()
        XCTAssertEqual(try scidl(["grok"] + tiny + ["--steps", "20", "--out", grok]).status, 0)
        let summary = try String(contentsOfFile: grok + "/summary.json", encoding: .utf8)
        try assertOneLineError(elicit(grok), mentions: "holds the results of `scidl grok`")
        try assertOneLineError(["toy", "--steps", "10", "--out", grok], mentions: "not of `scidl toy`")
        try assertOneLineError(
            ["dcrit", "--p", "7", "--sizes", "10", "--steps", "10", "--out", grok], mentions: "not of `scidl dcrit`")
        XCTAssertEqual(try String(contentsOfFile: grok + "/summary.json", encoding: .utf8), summary)

        let probes = scratch()
        XCTAssertEqual(try scidl(elicit(probes)).status, 0)
        let results = try String(contentsOfFile: probes + "/results.csv", encoding: .utf8)
        try assertOneLineError(["grok"] + tiny + ["--steps", "20", "--out", probes], mentions: "`scidl elicit`")
        // The same command with other settings is refused too; with the same ones it may run again.
        try assertOneLineError(elicit(probes, epochs: "20"), mentions: "made with other settings")
        XCTAssertEqual(try String(contentsOfFile: probes + "/results.csv", encoding: .utf8), results)
        XCTAssertEqual(try scidl(elicit(probes)).status, 0)
    }

    func testTwoProcessesCannotWriteOneFolder() throws {
        let out = scratch()
        let binary = try XCTUnwrap(scidlBinary())
        let first = Process()
        first.executableURL = binary
        first.arguments = ["grok"] + tiny + ["--steps", "1000000", "--out", out]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { first.terminate() }
        let record = URL(fileURLWithPath: out + "/scidl-run.json")
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: record.path) { usleep(20_000) }
        try assertOneLineError(["grok"] + tiny + ["--steps", "20", "--seed", "3", "--out", out], mentions: "another")
    }

    func testASweepRerunWithOtherSettingsIsRefusedAndOneWithMoreSizesGrows() throws {
        let out = scratch()
        let sweep = ["dcrit", "--p", "7", "--steps", "10", "--out", out]
        XCTAssertEqual(try scidl(sweep + ["--sizes", "10"]).status, 0)
        try assertOneLineError(sweep + ["--sizes", "10", "--lr", "0.01"], mentions: "learningRate")
        let grown = try scidl(sweep + ["--sizes", "10,20"])
        XCTAssertEqual(grown.status, 0, grown.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n").count, 5)
    }

    func testResumeCannotShortenARunAndAStoppedRunStartsAgain() throws {
        let out = scratch()
        XCTAssertEqual(try scidl(["grok"] + tiny + ["--steps", "30", "--out", out]).status, 0)
        let config = try String(contentsOfFile: out + "/config.json", encoding: .utf8)
        try assertOneLineError(["grok", "--resume", out, "--steps", "10"], mentions: "cannot be shortened")
        XCTAssertEqual(try String(contentsOfFile: out + "/config.json", encoding: .utf8), config)
        // A killed write's temporary file goes when the folder is next opened.
        let stale = out + "/.checkpoint.safetensors.tmp-999999"
        XCTAssertTrue(FileManager.default.createFile(atPath: stale, contents: Data("partial".utf8)))
        XCTAssertEqual(try scidl(["grok", "--resume", out, "--steps", "40"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        // Stopped before its first checkpoint (diverged here): the message says so, and the folder simply
        // takes a new run.
        let diverged = scratch()
        let r = try scidl(
            ["grok"] + tiny + ["--steps", "50", "--lr", "1e30", "--weight-decay", "0", "--out", diverged])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("no checkpoint had been written yet"), r.stderr)
        XCTAssertEqual(try scidl(["grok"] + tiny + ["--steps", "20", "--out", diverged]).status, 0)
    }

    func testAnUnwritableFolderIsASentence() throws {
        try assertOneLineError(["toy", "--steps", "10", "--out", "/proc/scidl/out"], mentions: "cannot create /proc")
        let r = try scidl(["toy", "--steps", "10", "--out", "/proc/scidl/out"])
        XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"), r.stderr)
    }
}
