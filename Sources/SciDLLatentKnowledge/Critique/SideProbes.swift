import SciDLReports
import SciDLSupport

/// The banana/shed question of the distractor experiment: why is "which word was appended" a direction as
/// consistent and confident as the truth? If a linear probe on one member of the pair alone (x⁺ or x⁻)
/// reads the member's truth ⊕ the word, the model represents that XOR, and p(x⁺) = 1 − p(x⁻) holds along it
/// as it does along the truth. Supervised logistic regression, per side, for the member's truth, the word
/// and their XOR, on each seed's split.
public struct SideProbeResult: Sendable {
    public var layer: Int
    public var seed: UInt64
    /// "x⁺" or "x⁻".
    public var side: String
    /// "truth", "word" or "truth xor word".
    public var target: String
    public var accuracy: Double
}

public enum SideProbes {
    public static let targets = ["truth", "word", "truth xor word"]

    /// `word` is 1 where the first word was appended (one value per pair).
    public static func run(
        _ activations: ContrastActivations, word: [Int], settings: ElicitSettings
    ) throws -> [SideProbeResult] {
        var out: [SideProbeResult] = []
        try Elicitation.forEachCell(activations, settings: settings) { cell in
            let testPairs = cell.test
            for (side, positive) in [("x⁺", true), ("x⁻", false)] {
                // A member's own truth: x⁺ is true where the label is 1, x⁻ where it is 0.
                func truth(_ labels: [Int]) -> [Int] { positive ? labels : labels.map { 1 - $0 } }
                let trainWord = cell.split.train.map { word[$0] }
                let testWord = cell.split.test.map { word[$0] }
                let trainTruth = truth(cell.train.labels)
                let testTruth = truth(testPairs.labels)
                let targets = [
                    (trainTruth, testTruth), (trainWord, testWord),
                    (zip(trainTruth, trainWord).map { $0 ^ $1 }, zip(testTruth, testWord).map { $0 ^ $1 }),
                ]
                for (name, (train, test)) in zip(Self.targets, targets) {
                    // One side's states as the "differences" a difference probe reads (the other side zero).
                    func oneSide(_ data: ProbeData, _ labels: [Int]) -> ProbeData {
                        let x = positive ? data.positive : data.negative
                        return ProbeData(
                            positive: x, negative: [Float](repeating: 0, count: x.count), labels: labels,
                            width: data.width)
                    }
                    let probe = try ProbeMethod.logistic.fit(oneSide(cell.train, train), seed: cell.probeSeed)
                    let score = ProbeScore(probe, on: oneSide(testPairs, test))
                    out.append(
                        SideProbeResult(
                            layer: cell.layer, seed: cell.seed, side: side, target: name, accuracy: score.accuracy))
                }
            }
        }
        return out
    }

    /// Per layer and side: mean test accuracy over seeds for each target.
    public static func table(_ results: [SideProbeResult]) -> String {
        var out = "linear probes on one side alone (supervised; mean test accuracy over seeds)\n"
        out += "layer  side  " + targets.map { $0.padding(toLength: 17, withPad: " ", startingAt: 0) }.joined() + "\n"
        for layer in Array(Set(results.map(\.layer))).sorted() {
            for side in ["x⁺", "x⁻"] {
                out += "\(layer)".padding(toLength: 7, withPad: " ", startingAt: 0)
                out += side.padding(toLength: 6, withPad: " ", startingAt: 0)
                for t in targets {
                    let values = results.filter { $0.layer == layer && $0.side == side && $0.target == t }.map(
                        \.accuracy)
                    let mean = values.reduce(0, +) / Double(max(values.count, 1))
                    out += String(format: "%.3f", mean).padding(toLength: 17, withPad: " ", startingAt: 0)
                }
                out += "\n"
            }
        }
        return out
    }

    public static func csv(_ results: [SideProbeResult]) -> String {
        (["layer,seed,side,target,accuracy"]
            + results.map { "\($0.layer),\($0.seed),\($0.side),\(csvField($0.target)),\(formatNumber($0.accuracy))" })
            .joined(separator: "\n") + "\n"
    }
}
