import Foundation
import SciDLTensor
import XCTest

/// Issue 25: the cases an outside fuzzer and a careless user still found, each through the real binary: one
/// clear line and exit status 2 (or the documented behaviour), and nothing already written changed.
final class RobustnessRound3Tests: XCTestCase {
    let tiny = ["--p", "7", "--d-model", "8", "--heads", "2", "--d-mlp", "16", "--quiet"]

    func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("scidl-r3-\(UUID().uuidString)").path
    }

    func contents(_ folder: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            out[name] = try? Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name))
        }
        return out
    }

    /// 1. A checkpoint whose step is impossible — edited in place (the checksum now covers the metadata) or
    /// written consistently by hand — is refused, and the folder's files stay as they were.
    func testAnImpossibleCheckpointStepIsRefusedAndNothingIsRewritten() throws {
        let out = scratch()
        XCTAssertEqual(try scidl(["grok"] + tiny + ["--steps", "40", "--eval-every", "10", "--out", out]).status, 0)
        let checkpoint = URL(fileURLWithPath: out).appendingPathComponent("checkpoint.safetensors")
        let original = try Data(contentsOf: checkpoint)
        // In place, same length: the metadata no longer matches its checksum.
        let text = String(decoding: original, as: UTF8.self)
        XCTAssertTrue(text.contains("\"step\":\"40\""))
        var edited = original
        let range = try XCTUnwrap(edited.range(of: Data("\"step\":\"40\"".utf8)))
        edited.replaceSubrange(range, with: Data("\"step\":\"-1\"".utf8))
        try edited.write(to: checkpoint)
        var before = try contents(out)
        try assertOneLineError(["grok", "--resume", out], mentions: "damaged")
        XCTAssertEqual(try contents(out), before, "nothing rewritten")
        // Written consistently (a valid checksum) but with a step outside the run.
        var file = try SafetensorsFile(data: original)
        file.metadata["step"] = "-1"
        try file.write(to: checkpoint)
        before = try contents(out)
        try assertOneLineError(["grok", "--resume", out], mentions: "step -1 lies outside")
        XCTAssertEqual(try contents(out), before, "nothing rewritten")
        // Another run's checkpoint in this folder.
        let other = scratch()
        XCTAssertEqual(try scidl(["grok"] + tiny + ["--steps", "40", "--seed", "5", "--out", other]).status, 0)
        try FileManager.default.removeItem(at: checkpoint)
        try FileManager.default.copyItem(
            at: URL(fileURLWithPath: other).appendingPathComponent("checkpoint.safetensors"), to: checkpoint)
        try assertOneLineError(["grok", "--resume", out], mentions: "other settings than config.json")
    }
}
