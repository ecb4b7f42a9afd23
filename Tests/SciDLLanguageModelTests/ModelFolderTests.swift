import Foundation
import SciDLLanguageModel
import SciDLTestSupport
import XCTest

/// A model folder with a missing or damaged file is refused with one line that says which and why.
final class ModelFolderTests: XCTestCase {
    func folder(config: String?, vocab: Bool = true, weights: Data?) throws -> URL {
        let real = try ModelCatalog.location(of: .minilm)
        let dir = ScratchFolder.url("model", create: false)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if let config {
            try config.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        }
        if vocab {
            try FileManager.default.copyItem(
                at: real.appendingPathComponent("vocab.txt"), to: dir.appendingPathComponent("vocab.txt"))
        }
        if let weights { try weights.write(to: dir.appendingPathComponent("model.safetensors")) }
        return dir
    }

    func realConfig() throws -> String {
        try String(
            contentsOf: ModelCatalog.location(of: .minilm).appendingPathComponent("config.json"), encoding: .utf8)
    }

    func assertRefused(_ dir: URL, mentioning text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try BertModel(folder: dir), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "'\(error)' should mention '\(text)'", file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), file: file, line: line)
        }
    }

    func testMissingFiles() throws {
        assertRefused(try folder(config: nil, weights: Data()), mentioning: "has no config.json")
        assertRefused(
            try folder(config: try realConfig(), vocab: false, weights: Data()), mentioning: "has no vocab.txt")
        assertRefused(try folder(config: try realConfig(), weights: nil), mentioning: "has no model.safetensors")
        assertRefused(URL(fileURLWithPath: "/no/such/model"), mentioning: "does not exist")
    }

    func testUnsupportedActivationIsNamed() throws {
        let swish = try realConfig().replacingOccurrences(of: "\"gelu\"", with: "\"swish\"")
        XCTAssertTrue(swish.contains("swish"))
        assertRefused(try folder(config: swish, weights: Data()), mentioning: "hidden_act is not one SciDL supports")
    }

    func testBadConfigAndDamagedWeights() throws {
        let weights = try Data(
            contentsOf: ModelCatalog.location(of: .minilm).appendingPathComponent("model.safetensors"),
            options: .mappedIfSafe)
        assertRefused(
            try folder(config: "{\"hidden_size\": 384}", weights: Data()), mentioning: "lacks \"num_hidden_layers\"")
        assertRefused(try folder(config: try realConfig(), weights: weights.prefix(100_000)), mentioning: "truncated")
        assertRefused(
            try folder(config: try realConfig(), weights: Data("\u{10}\0\0\0\0\0\0\0[1, 2, 3]       ".utf8)),
            mentioning: "not a JSON object")
        let wider = try realConfig().replacingOccurrences(
            of: "\"intermediate_size\": 1536", with: "\"intermediate_size\": 2048")
        assertRefused(try folder(config: wider, weights: weights), mentioning: "config.json implies [2048, 384]")
    }
}
