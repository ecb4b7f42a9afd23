import Foundation
import SciDLSupport
import SciDLTensor
import SciDLTestSupport
import XCTest

@testable import SciDLLanguageModel

/// The GGUF reader: llama.cpp's block formulas against gguf-py, every metadata type, and bad files.
final class GGUFFileTests: XCTestCase {
    struct Blocks: Decodable {
        struct Entry: Decodable {
            var hex: String
            var values: [Float]
        }
        var blocks: [String: Entry]
    }

    /// Bytes dequantised by gguf-py (`scripts/make_decoder_fixtures.py`), the outside reference.
    func testEveryTypeDequantisesAsGGUFPy() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/quant_blocks.json")
        let blocks = try JSONDecoder().decode(Blocks.self, from: Data(contentsOf: url)).blocks
        XCTAssertEqual(Set(blocks.keys), Set(GGMLType.allCases.filter { $0 != .f32 }.map(\.name)))
        for type in GGMLType.allCases where type != .f32 {
            let entry = try XCTUnwrap(blocks[type.name])
            var bytes: [UInt8] = []
            var i = entry.hex.startIndex
            while i < entry.hex.endIndex {
                let j = entry.hex.index(i, offsetBy: 2)
                bytes.append(UInt8(entry.hex[i..<j], radix: 16)!)
                i = j
            }
            let owner = OwnedBytes(bytes)
            let m = WeightMatrix(bytes: owner.bytes, type: type, rows: 1, columns: entry.values.count, owner: owner)
            let got = m.dequantized()
            for (k, (a, b)) in zip(got, entry.values).enumerated() {
                // Same float32 operations in the same order: equal but for the last bit.
                XCTAssertEqual(a, b, accuracy: 2 * b.ulp, "\(type.name) element \(k)")
            }
        }
    }

    func testMetadataOfEveryTypeRoundTrips() throws {
        var w = GGUFWriter()
        let values: [(String, GGUFMetadataValue)] = [
            ("u8", .uint8(200)), ("i8", .int8(-5)), ("u16", .uint16(60_000)), ("i16", .int16(-300)),
            ("u32", .uint32(4_000_000_000)),
            ("i32", .int32(-7)), ("u64", .uint64(1 << 40)), ("i64", .int64(-(1 << 40))), ("f32", .float32(0.5)),
            ("f64", .float64(-2.25)),
            ("bool", .bool(true)), ("text", .string("naïve ✓")), ("list", .array([.array([.int8(1)]), .array([])])),
        ]
        for (k, v) in values { w.set(k, v) }
        w.version = 2
        w.alignment = 128
        w.set("general.alignment", .uint32(128))
        var rng = SeededGenerator(seed: 1)
        w.addRandom("a", [2, 32], .q4_0, &rng)
        w.addRandom("b", [3], .f32, &rng)
        let file = try GGUFFile(contentsOf: w.write())
        XCTAssertEqual(file.version, 2)
        for (k, v) in values { XCTAssertEqual(file.metadata[k], v, k) }
        XCTAssertEqual(file.tensors["a"]?.shape, [2, 32])
        XCTAssertEqual(file.tensors["b"]!.offset % 128, 0)
        XCTAssertEqual(try file.floats("b").count, 3)
    }

    func assertRefused(
        _ bytes: [UInt8], mentions needle: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let url = ScratchFolder.url("scidl-bad").appendingPathComponent("bad.gguf")
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try DecoderModel(gguf: url), file: file, line: line) { error in
            let message = (error as? SciDLError)?.message ?? "not a SciDLError: \(error)"
            XCTAssertTrue(message.contains(needle), "'\(needle)' not in: \(message)", file: file, line: line)
            XCTAssertFalse(message.contains("\n"), file: file, line: line)
        }
    }

    func model() throws -> [UInt8] {
        try Data(contentsOf: TinyGGUF.model(architecture: "llama", tokenizer: TinyGGUF.gpt2Tokenizer, seed: 7)).map {
            $0
        }
    }

    func testBadFilesAreRefusedWithOneLine() throws {
        let good = try model()
        try assertRefused([], mentions: "is not a GGUF file")
        try assertRefused(Array("GGML".utf8) + good.dropFirst(4), mentions: "starts with 'GGML', not 'GGUF'")
        for cut in [6, 20, 300, good.count / 2, good.count - 1] {
            try assertRefused(Array(good.prefix(cut)), mentions: cut < good.count / 2 ? "truncated" : "past the end")
        }
        var version = good
        version[4] = 9
        try assertRefused(version, mentions: "GGUF version 9")
        var counts = good
        for k in 8..<16 { counts[k] = 0xFF }
        try assertRefused(counts, mentions: "more than its")
    }

    func testAbsurdShapesUnknownTypesAndIncompleteTokenizersAreRefused() throws {
        var rng = SeededGenerator(seed: 3)
        var w = GGUFWriter()
        w.addRandom("x", [4, 32], .q8_0, &rng)
        var bytes = w.bytes()
        // The tensor's type field sits after the name (8 + 1 bytes), rank (4) and two extents (16).
        let typeOffset = 4 + 4 + 8 + 8 + 8 + 1 + 4 + 16
        XCTAssertEqual(bytes[typeOffset], UInt8(GGMLType.q8_0.rawValue))
        bytes[typeOffset] = 10
        try assertRefused(bytes, mentions: "stored as Q2_K, which SciDL does not read")
        bytes[typeOffset] = 99
        try assertRefused(bytes, mentions: "unknown type 99")
        var shape = w.bytes()
        for k in (typeOffset - 8)..<typeOffset { shape[k] = 0x7F }
        try assertRefused(shape, mentions: "impossible extent")

        var noMerges = GGUFWriter()
        _ = TinyGGUF.gpt2Tokenizer(&noMerges)
        noMerges.metadata.removeAll { $0.0 == "tokenizer.ggml.merges" }
        noMerges.set("general.architecture", .string("llama"))
        let file = try GGUFFile(contentsOf: noMerges.write())
        XCTAssertThrowsError(try BPETokenizer(gguf: file)) { error in
            XCTAssertTrue((error as? SciDLError)?.message.contains("no tokenizer.ggml.merges") == true, "\(error)")
        }
        var gemma = GGUFWriter()
        gemma.set("general.architecture", .string("gemma"))
        XCTAssertThrowsError(try Decoder(gguf: GGUFFile(contentsOf: gemma.write()))) { error in
            XCTAssertTrue((error as? SciDLError)?.message.contains("is a 'gemma' model") == true, "\(error)")
        }
    }

    /// Fuzzing: a valid file with bytes overwritten in its header, metadata and tensor descriptions, or cut
    /// short, must load or be refused with a SciDLError — never crash — and a model that loads must run.
    func testMutatedFilesNeverCrash() throws {
        let good = try model()
        let dataStart = try GGUFFile(contentsOf: GGUFWriter.writeBytes(good)).tensors.values.map(\.offset).min()!
        var rng = SeededGenerator(seed: 42)
        var refused = 0
        var loaded = 0
        for trial in 0..<300 {
            var bytes = good
            if trial % 10 == 0 {
                bytes = Array(bytes.prefix(rng.nextInt(below: dataStart)))
            } else {
                for _ in 0..<(1 + rng.nextInt(below: 4)) {
                    let at = rng.nextInt(below: dataStart)
                    bytes[at] = rng.nextInt(below: 3) == 0 ? 0xFF : UInt8(truncatingIfNeeded: rng.next())
                }
            }
            do {
                let model = try DecoderModel(gguf: GGUFWriter.writeBytes(bytes))
                _ = try model.hiddenStates(of: ["the hello"], layers: [0, model.blockCount], position: .mean)
                loaded += 1
            } catch is SciDLError {
                refused += 1
            }
        }
        XCTAssertEqual(refused + loaded, 300)
        XCTAssertGreaterThan(refused, 50, "most mutations of the header are caught")
    }
}
