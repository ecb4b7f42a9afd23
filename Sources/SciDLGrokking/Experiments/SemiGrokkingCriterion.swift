import SciDLReports

/// When a run counts as semi-grokked — fixed before any run was looked at, so that a grid cannot be read
/// into: after memorising (train accuracy ≥ 99 %), test accuracy rises to a plateau strictly between `low`
/// and `high` (20 % and 80 %) and holds it over the last third of training — every evaluation there inside
/// the band and within `tolerance` of the third's mean, and the third's two halves' means less than `drift`
/// apart (a plateau, not a slow climb) — the plateau's mean at least `minimumRise` above the test accuracy
/// the run had when it memorised (delayed, partial generalisation: Varma et al. 2023, §4.2).
public struct SemiGrokkingCriterion: Sendable, Equatable {
    public var low = 0.2
    public var high = 0.8
    /// The share of the run, counted from its end, that the plateau must hold.
    public var heldFraction = 1.0 / 3
    public var minimumRise = 0.05
    public var tolerance = 0.1
    public var drift = 0.05

    public init() {}

    /// What a run did, by the criterion.
    public enum Verdict: String, Codable, Sendable {
        /// Held a partial test accuracy over the last third, after a rise: semi-grokking.
        case semiGrokked = "semi-grokked"
        /// Ended at or above `high`.
        case grokked
        /// Ended at or below `low`.
        case memorised
        /// Ended in between without holding it: still moving, or a partial level reached too late.
        case unsettled
        /// Never reached 99 % train accuracy.
        case notMemorised = "not memorised"
    }

    public struct Judgement: Codable, Sendable, Equatable {
        public var verdict: Verdict
        /// The first evaluation at which train accuracy reached 99 %.
        public var memorisedAtStep: Int?
        /// The mean test accuracy over the last third of training.
        public var plateauLevel: Double?
        /// The longest final stretch of evaluations all within (low, high): where it starts, and its steps.
        public var plateauStartStep: Int?
        public var plateauSteps: Int?
        public var finalTestAccuracy: Double?
    }

    /// Judges a run from its metrics log.
    public func judge(_ log: MetricsLog) -> Judgement {
        judge(
            steps: log.rows.compactMap { $0[.step] }.map { Int($0) },
            trainAccuracy: log.rows.map { $0[.trainAccuracy] ?? .nan },
            testAccuracy: log.rows.map { $0[.testAccuracy] ?? .nan })
    }

    /// Judges a run from its evaluations, in step order.
    public func judge(steps: [Int], trainAccuracy: [Double], testAccuracy: [Double]) -> Judgement {
        let final = testAccuracy.last
        var judgement = Judgement(verdict: .notMemorised, finalTestAccuracy: final)
        guard let last = steps.last, steps.count == testAccuracy.count, steps.count == trainAccuracy.count,
            let memorised = trainAccuracy.firstIndex(where: { $0 >= 0.99 })
        else { return judgement }
        judgement.memorisedAtStep = steps[memorised]
        let inBand = { (a: Double) in a > low && a < high }
        func mean<S: Collection<Int>>(_ indices: S) -> Double {
            indices.map { testAccuracy[$0] }.reduce(0, +) / Double(max(indices.count, 1))
        }
        // The final stretch within the band, however long.
        var start = steps.count
        while start > memorised, inBand(testAccuracy[start - 1]) { start -= 1 }
        if start < steps.count {
            judgement.plateauStartStep = steps[start]
            judgement.plateauSteps = last - steps[start]
        }
        let heldFrom = Double(last) - heldFraction * Double(last)
        let held = steps.indices.filter { Double(steps[$0]) >= heldFrom && $0 > memorised }
        if !held.isEmpty { judgement.plateauLevel = mean(held) }
        if let level = judgement.plateauLevel, !held.isEmpty, held.allSatisfy({ inBand(testAccuracy[$0]) }),
            held.allSatisfy({ abs(testAccuracy[$0] - level) <= tolerance }),
            abs(mean(held.suffix(held.count / 2)) - mean(held.prefix(held.count - held.count / 2))) < drift
                || held.count < 2,
            level >= testAccuracy[memorised] + minimumRise
        {
            judgement.verdict = .semiGrokked
        } else if let final, final >= high {
            judgement.verdict = .grokked
        } else if let final, final <= low {
            judgement.verdict = .memorised
        } else {
            judgement.verdict = .unsettled
        }
        return judgement
    }
}
