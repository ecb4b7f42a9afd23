import Foundation
import SciDLSupport

/// One target's corpus (valid seed files plus every input that once crashed a reader) and a scratch folder,
/// run on the seeds as they are and on seeded mutants of them.
///
/// Corpus layout: `<corpus>/<target>/` holds the inputs; a `companions` file there lists, one per line,
/// files (relative to that folder) the reader needs beside its input, e.g. a model folder's weights.
public struct FuzzCampaign {
    public let target: FuzzTarget
    public let inputs: [(name: String, bytes: [UInt8])]
    public let scratch: URL
    private let reader: (Data) throws -> Void

    /// What a run found: how often the reader accepted or refused its input, and the inputs it answered with
    /// something other than a `SciDLError` (an error a person cannot read).
    public struct Report: Sendable {
        public var target: FuzzTarget
        public var executions = 0
        public var accepted = 0
        public var refused = 0
        public var findings: [Finding] = []

        public init(target: FuzzTarget) { self.target = target }
    }

    public struct Finding: Sendable {
        public var input: [UInt8]
        public var message: String
    }

    public init(target: FuzzTarget, corpus: URL, scratch: URL) throws {
        self.target = target
        let folder = corpus.appendingPathComponent(target.rawValue)
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder.path) else {
            throw SciDLError("no fuzz corpus for \(target.rawValue) in \(folder.path)")
        }
        inputs = try names.filter { !$0.hasPrefix(".") && $0 != "companions" }.sorted().map { name in
            (name, [UInt8](try Data(contentsOf: folder.appendingPathComponent(name))))
        }
        guard !inputs.isEmpty else { throw SciDLError("the fuzz corpus \(folder.path) is empty") }
        self.scratch = scratch
        try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
        let companions = (try? String(contentsOf: folder.appendingPathComponent("companions"), encoding: .utf8)) ?? ""
        for line in companions.split(separator: "\n") where !line.hasPrefix("#") {
            let source = folder.appendingPathComponent(String(line)).standardizedFileURL
            let destination = scratch.appendingPathComponent(source.lastPathComponent)
            try? fm.removeItem(at: destination)
            try fm.copyItem(at: source, to: destination)
        }
        reader = try target.reader(in: scratch)
    }

    /// The reader's message for `bytes`, or nil when it accepts them.
    public func message(for bytes: [UInt8]) -> String? {
        do {
            try reader(Data(bytes))
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Feeds one input to the reader.
    public func execute(_ bytes: [UInt8], into report: inout Report) {
        report.executions += 1
        do {
            try reader(Data(bytes))
            report.accepted += 1
        } catch is SciDLError {
            report.refused += 1
        } catch {
            report.findings.append(Finding(input: bytes, message: "\(type(of: error)): \(error)"))
        }
    }

    /// Every corpus input as it is, then `iterations` mutants (or as many as fit before `deadline`), each
    /// written to `recorder` first so that an input that kills the process can be recovered.
    public func run(
        iterations: Int, until deadline: Date? = nil, seed: UInt64 = 0, recorder: InputRecorder? = nil
    ) -> Report {
        var report = Report(target: target)
        for input in inputs {
            recorder?.record(input.bytes)
            execute(input.bytes, into: &report)
        }
        var mutator = Mutator(seed: seed)
        let pool = inputs.map(\.bytes)
        for i in 0..<iterations {
            if let deadline, i % 64 == 0, Date() >= deadline { break }
            // Every third mutant, where the format allows, changes one structural field of a corpus input.
            let input = pool[i % pool.count]
            let mutant =
                (i % 3 == 2 ? StructuredMutation.mutant(of: input, target: target, random: &mutator.random) : nil)
                ?? mutator.mutate(input, others: pool)
            recorder?.record(mutant)
            execute(mutant, into: &report)
        }
        return report
    }
}
