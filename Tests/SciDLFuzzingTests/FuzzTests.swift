import Foundation
import SciDLFuzzing
import SciDLSupport
import SciDLTensor
import XCTest

/// Every reader of outside files on its corpus (valid seeds and the inputs that once crashed a reader) and on
/// seeded mutants of it: each input is accepted or refused with a `SciDLError`. A reader that traps takes the
/// test process down, which fails the suite. `scripts/fuzz.sh` runs the same campaigns for longer.
final class FuzzTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    func campaign(_ target: FuzzTarget) throws -> FuzzCampaign {
        try FuzzCampaign(
            target: target, corpus: Self.corpus,
            scratch: FileManager.default.temporaryDirectory.appendingPathComponent(
                "scidl-fuzz-test-\(getpid())/\(target.rawValue)"))
    }

    func testEveryTargetHasACorpus() {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)) ?? []
        XCTAssertEqual(Set(folders), Set(FuzzTarget.allCases.map(\.rawValue)))
    }

    /// The seeds are valid files, so a reader that refused them all would be fuzzed only at its front door.
    func testEverySeedIsAccepted() throws {
        for target in FuzzTarget.allCases where target != .activationCache {
            let c = try campaign(target)
            for input in c.inputs where !input.name.hasPrefix("crash-") && !input.name.hasPrefix("issue25-") {
                var report = FuzzCampaign.Report(target: target)
                c.execute(input.bytes, into: &report)
                XCTAssertEqual(report.accepted, 1, "\(target.rawValue): seed \(input.name) is refused")
            }
        }
    }

    /// The crashes found by hand (issue 11: offsets near Int64.max, negative and 2⁶² extents) are refused.
    func testInputsThatOnceCrashedAreRefused() throws {
        for target in [FuzzTarget.safetensors, .npy, .checkpoint] {
            let c = try campaign(target)
            for input in c.inputs where input.name.hasPrefix("crash-") && !input.name.contains("-D-") {
                var report = FuzzCampaign.Report(target: target)
                c.execute(input.bytes, into: &report)
                XCTAssertEqual(report.refused, 1, "\(target.rawValue): \(input.name) is not refused")
            }
        }
    }

    /// Issue 25: the outside fuzzer's inputs, rebuilt (a checkpoint forged with step −1, a GGUF whose embedding
    /// type was changed so that it overlaps the next tensor, a GGUF string length off by one, a safetensors dtype
    /// of 400 nines) are refused, each message one line of at most 300 characters; an npz member name running into
    /// the archive's bytes is read as a (long) name, and no message quotes it at length.
    func testTheOutsideFuzzersInputsAreRefusedBriefly() throws {
        var seen = 0
        for target in [FuzzTarget.checkpoint, .gguf, .safetensors, .npz] {
            let c = try campaign(target)
            for input in c.inputs where input.name.hasPrefix("issue25-") {
                seen += 1
                var report = FuzzCampaign.Report(target: target)
                c.execute(input.bytes, into: &report)
                XCTAssertEqual(report.findings.count, 0, input.name)
                if target != .npz { XCTAssertEqual(report.refused, 1, "\(target.rawValue): \(input.name) is not refused") }
                let message = c.message(for: input.bytes) ?? ""
                XCTAssertLessThanOrEqual(message.count, SciDLError.maximumLength, "\(input.name): \(message)")
                XCTAssertFalse(message.contains("\n"), input.name)
            }
        }
        XCTAssertEqual(seen, 5)
    }

    func testEveryReaderSurvivesMutants() throws {
        let iterations = Int(ProcessInfo.processInfo.environment["SCIDL_FUZZ_ITERATIONS"] ?? "") ?? 300
        for target in FuzzTarget.allCases {
            let report = try campaign(target).run(iterations: iterations, seed: 1)
            XCTAssertEqual(report.executions, iterations + (try campaign(target).inputs.count))
            XCTAssertEqual(
                report.findings.map { printable($0.message, limit: 200) }, [], "\(target.rawValue): unclear errors")
        }
    }
}

/// The structured mutations reach the fields byte-level mutation rarely does.
final class StructuredMutationTests: XCTestCase {
    func testGGUFFieldsAndForgedCheckpointsAreMutated() throws {
        let gguf = [UInt8](try Data(contentsOf: FuzzTests.corpus.appendingPathComponent("gguf/bpe.gguf")))
        let checkpoint = [UInt8](
            try Data(contentsOf: FuzzTests.corpus.appendingPathComponent("checkpoint/checkpoint.safetensors")))
        let c = try FuzzCampaign(
            target: .checkpoint, corpus: FuzzTests.corpus,
            scratch: FileManager.default.temporaryDirectory.appendingPathComponent("scidl-structured-\(getpid())"))
        let report = c.run(iterations: 90, seed: 3)
        XCTAssertEqual(report.findings.count, 0)
        XCTAssertGreaterThan(report.refused, 0)
        // A forged checkpoint passes the checksum, so what refuses it is the checkpoint's own checks.
        var refusedByChecks = 0
        for seed in 0..<40 {
            var random = SeededGenerator(seed: UInt64(seed))
            guard let forged = StructuredMutationProbe.mutant(checkpoint, target: .checkpoint, random: &random) else {
                continue
            }
            XCTAssertNoThrow(try SafetensorsFile(data: Data(forged)), "the checksum is written anew")
            if let m = c.message(for: forged), !m.contains("damaged") { refusedByChecks += 1 }
        }
        XCTAssertGreaterThan(refusedByChecks, 5)
        var random = SeededGenerator(seed: 1)
        var changed = Set<Int>()
        for _ in 0..<50 {
            let m = try XCTUnwrap(StructuredMutationProbe.mutant(gguf, target: .gguf, random: &random))
            XCTAssertEqual(m.count, gguf.count, "one field changed in place")
            changed.formUnion(m.indices.filter { m[$0] != gguf[$0] })
        }
        XCTAssertGreaterThan(changed.count, 20, "many different fields")
    }
}
