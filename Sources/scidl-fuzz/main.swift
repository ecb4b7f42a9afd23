// scidl-fuzz: feeds each reader of outside files mutated inputs for a while and prints one JSON line per
// target. `scripts/fuzz.sh` runs it; a reader that traps kills this process, and the script recovers the
// input from the recorder file and adds it to the corpus.
//
//   scidl-fuzz [--seconds S] [--iterations N] [--seed K] [--corpus DIR] [--record FILE] [TARGET…]
import Foundation
import SciDLFuzzing
import SciDLSupport

var seconds = 10.0
var iterations = Int.max
var seed: UInt64 = 0
var corpus = URL(fileURLWithPath: "Tests/FuzzCorpus")
var recordFile: URL?
var targets: [FuzzTarget] = []
var arguments = CommandLine.arguments.dropFirst()[...]
func fail<T>(_ message: String) -> T {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(2)
}
while let argument = arguments.popFirst() {
    func value() -> String { arguments.popFirst() ?? fail("\(argument) needs a value") }
    switch argument {
    case "--seconds": seconds = Double(value()) ?? fail("--seconds takes a number")
    case "--iterations": iterations = Int(value()) ?? fail("--iterations takes a whole number")
    case "--seed": seed = UInt64(value()) ?? fail("--seed takes a whole number")
    case "--corpus": corpus = URL(fileURLWithPath: value())
    case "--record": recordFile = URL(fileURLWithPath: value())
    default:
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        targets.append(FuzzTarget(rawValue: argument) ?? fail("unknown target '\(printable(argument))': use \(names)"))
    }
}
if targets.isEmpty { targets = FuzzTarget.allCases }

var findings = 0
do {
    let recorder = try recordFile.map { try InputRecorder(file: $0) }
    let scratchRoot = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-fuzz-\(getpid())")
    defer { try? FileManager.default.removeItem(at: scratchRoot) }
    for target in targets {
        let campaign = try FuzzCampaign(
            target: target, corpus: corpus, scratch: scratchRoot.appendingPathComponent(target.rawValue))
        let started = Date()
        let report = campaign.run(
            iterations: iterations, until: started.addingTimeInterval(seconds), seed: seed, recorder: recorder)
        let elapsed = Date().timeIntervalSince(started)
        print(
            """
            {"target":"\(target.rawValue)","executions":\(report.executions),"accepted":\(report.accepted),\
            "refused":\(report.refused),"findings":\(report.findings.count),\
            "seconds":\(String(format: "%.1f", elapsed)),"per_second":\(Int(Double(report.executions) / elapsed))}
            """)
        for finding in report.findings.prefix(3) {
            FileHandle.standardError.write(Data("\(target.rawValue): \(printable(finding.message, limit: 200))\n".utf8))
        }
        findings += report.findings.count
    }
} catch let error as SciDLError {
    let _: Void = fail(error.message)
}
exit(findings == 0 ? 0 : 1)
