import Foundation
import SciDLFuzzing
import SciDLSupport
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
            for input in c.inputs where !input.name.hasPrefix("crash-") {
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
