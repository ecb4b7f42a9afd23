import Foundation
import SciDLLanguageModel
import SciDLTensor
import SciDLTestSupport
import XCTest

/// Issue 25: the cases an outside fuzzer and a careless user still found, each through the real binary: one
/// clear line and exit status 2 (or the documented behaviour), and nothing already written changed.
final class RobustnessRound3Tests: XCTestCase {
    let tiny = ["--p", "7", "--d-model", "8", "--heads", "2", "--d-mlp", "16", "--quiet"]

    func scratch() -> String { ScratchFolder.path("scidl-r3") }

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

    var activations: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SciDLLatentKnowledgeTests/Fixtures/pairs.npz").path
    }

    /// 2. A numeric setting that cannot work is refused before any work, and nothing is written.
    func testImpossibleNumericSettingsAreRefusedBeforeAnyWork() throws {
        for lr in ["nan", "1e308", "-1", "inf"] {
            let out = scratch()
            try assertOneLineError(
                ["elicit", "--activations", activations, "--methods", "ccs", "--ccs-lr", lr, "--out", out],
                mentions: "--ccs-lr")
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: out + "/results.csv"), "no half-written results (\(lr))")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/probes.safetensors"))
        }
        try assertOneLineError(["grok", "--weight-decay", "1e308"], mentions: "lr·wd")
    }

    /// 5 and 6. Sweep grids and seed lists are checked as parsed, before pre-training starts; a negative
    /// number is read as the value it is and refused with what is wrong.
    func testGridsAndNegativeNumbersAreCheckedFirst() throws {
        let started = Date()
        try assertOneLineError(["ungrok", "--sizes", "", "--out", scratch()], mentions: "--sizes is empty")
        try assertOneLineError(["ungrok", "--sizes", "0,-1", "--out", scratch()], mentions: "--sizes must be positive")
        try assertOneLineError(
            ["ungrok", "--sizes", "100", "--workers", "0", "--out", scratch()], mentions: "--workers")
        try assertOneLineError(["ungrok", "--sizes", "100,100", "--out", scratch()], mentions: "lists 100 twice")
        try assertOneLineError(["dcrit", "--seeds", "0,0,0", "--out", scratch()], mentions: "lists 0 twice")
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "refused before any training")
        try assertOneLineError(
            ["elicit", "--activations", activations, "--seeds", "0--1", "--out", scratch()], mentions: "--seeds")
        try assertOneLineError(
            ["elicit", "--activations", activations, "--seeds", "1,1", "--out", scratch()], mentions: "twice")
        try assertOneLineError(["grok", "--steps", "-1"], mentions: "--steps must be a positive integer (got -1)")
        try assertOneLineError(["grok", "--lr", "-0.5"], mentions: "--lr must be positive")
    }

    /// 4. Whatever a file quotes back, the message stays one line of at most 300 characters.
    func testMessagesQuotingHostileInputStayShort() throws {
        let folder = URL(fileURLWithPath: scratch())
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let nines = String(repeating: "9", count: 400)
        let header = "{\"activations\":{\"dtype\":\"\(nines)\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(contentsOf: [0, 0, 0, 0])
        let file = folder.appendingPathComponent("hostile.safetensors")
        try bytes.write(to: file)
        let r = try scidl(["elicit", "--activations", file.path, "--out", scratch()])
        XCTAssertEqual(r.status, 2)
        let line = try XCTUnwrap(r.stderr.split(separator: "\n").first { $0.hasPrefix("error:") })
        XCTAssertTrue(line.contains("unsupported dtype"), String(line))
        XCTAssertLessThanOrEqual(line.count, 300 + "error: ".count + " (see scidl --help)".count, String(line))
        XCTAssertFalse(line.contains(String(repeating: "9", count: 100)), "the quoted dtype is cut")
    }

    /// 7 and 8. Empty and very long texts are announced before the model runs and what happens to them is
    /// said; a damaged cache entry is recomputed with a word.
    func testLongAndEmptyTextsAndADamagedCacheAreAnnounced() throws {
        let folder = URL(fileURLWithPath: scratch())
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let long = Array(repeating: "a long statement", count: 7_000).joined(separator: " ")
        var rows = ["statement,label", "\"\(long)\",1", ",0", ",1"]
        for i in 0..<17 { rows.append("\(20 + i) is larger than \(i).,\(i % 2)") }
        let csv = folder.appendingPathComponent("odd.csv")
        try rows.joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
        let cache = folder.appendingPathComponent("cache").path
        let args = [
            "elicit", "--data", csv.path, "--layers", "3", "--methods", "pca,logistic", "--max-tokens", "48",
            "--no-zero-shot", "--cache", cache,
        ]
        let first = try scidl(args + ["--out", scratch()])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("2 of 20 examples have no text"), first.stderr)
        XCTAssertTrue(first.stderr.contains("1 examples are over 100000 characters"), first.stderr)
        XCTAssertTrue(
            first.stderr.contains("2 of 40 prompts were longer than 48 tokens and lost their start"), first.stderr)
        // Damage the cached activations: the next run says so, recomputes, and gets the same table.
        let entry = try XCTUnwrap(
            try FileManager.default.contentsOfDirectory(atPath: cache).first { $0.hasSuffix(".safetensors") })
        let url = URL(fileURLWithPath: cache).appendingPathComponent(entry)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: url)
        let second = try scidl(args + ["--out", scratch()])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("cache entry \(entry) was damaged; recomputed"), second.stderr)
        XCTAssertEqual(
            second.stdout.split(separator: "\n").dropLast(), first.stdout.split(separator: "\n").dropLast())
    }

    /// 3. Model files that would load wrong: tensors that overlap (a changed type), a block count below the
    /// blocks the file holds, weights that make the outputs NaN — each refused with one line.
    func testSilentlyWrongModelFilesAreRefused() throws {
        let url = try TinyGGUF.model(architecture: "llama", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 21)
        XCTAssertEqual(try scidl(["model", "--model", url.path, "--text", "the hello"]).status, 0)
        let original = try Data(contentsOf: url)
        func variant(_ change: (inout Data) throws -> Void) throws -> String {
            var bytes = original
            try change(&bytes)
            let out = ScratchFolder.url("scidl-r3", suffix: ".gguf", create: false)
            try bytes.write(to: out)
            return out.path
        }
        /// The tensor-info type field of `name` (a u32 after its name and dimensions).
        func typeField(_ bytes: Data, _ name: String, dimensions: Int) throws -> Int {
            let range = try XCTUnwrap(bytes.range(of: Data(name.utf8)))
            return range.upperBound + 4 + 8 * dimensions
        }
        // The q8_0 embedding declared F32: four times the bytes, running into the next tensor.
        let retyped = try variant { bytes in
            let at = try typeField(bytes, "token_embd.weight", dimensions: 2)
            XCTAssertEqual(bytes[at], UInt8(GGMLType.q8_0.rawValue))
            bytes[at] = UInt8(GGMLType.f32.rawValue)
        }
        try assertOneLineError(["model", "--model", retyped, "--text", "the"], mentions: "overlap")
        // llama.block_count 1 while the file holds two blocks.
        let fewer = try variant { bytes in
            let key = try XCTUnwrap(bytes.range(of: Data("llama.block_count".utf8)))
            // After the key: the value type (u32) and the value (u32).
            XCTAssertEqual(bytes[key.upperBound + 4], UInt8(TinyGGUF.blocks))
            bytes[key.upperBound + 4] = 1
        }
        try assertOneLineError(["model", "--model", fewer, "--text", "the"], mentions: "holds tensors of block 1")
        // The final norm's weights NaN: the outputs would be NaN.
        let gguf = try GGUFFile(contentsOf: url)
        let norm = try XCTUnwrap(gguf.tensors["output_norm.weight"])
        let poisoned = try variant { bytes in
            withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { nan in
                for i in stride(from: norm.offset, to: norm.offset + norm.byteCount, by: 4) {
                    bytes.replaceSubrange(i..<(i + 4), with: nan)
                }
            }
        }
        try assertOneLineError(["model", "--model", poisoned, "--text", "the hello"], mentions: "not finite")
        // A tensor no decoder reads is named, not silently dropped.
        let extra = try TinyGGUF.model(
            architecture: "llama", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 22, extraTensors: ["cls.head.weight"])
        let described = try scidl(["model", "--model", extra.path])
        XCTAssertEqual(described.status, 0, described.stderr)
        XCTAssertTrue(
            described.stdout.contains("note: 1 tensors of the file are not used: cls.head.weight"), described.stdout)
        XCTAssertFalse(try scidl(["model", "--model", url.path]).stdout.contains("not used"))
    }
}
