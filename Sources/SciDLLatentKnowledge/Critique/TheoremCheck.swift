import Foundation
import SciDLReports
import SciDLSupport
import SciDLTensor

/// Farquhar et al.'s Theorem 1, made concrete: for any binary feature h of the questions and any probe c,
/// the probe c′ that answers c on pairs with h = 0 and swaps its two credences on pairs with h = 1,
///
///     c′(x⁺ᵢ) = c(x⁻ᵢ),  c′(x⁻ᵢ) = c(x⁺ᵢ)   where hᵢ = 1,
///
/// has exactly the same CCS loss (the loss is symmetric in p⁺ and p⁻), while its prediction
/// 0.5·(p⁺ + 1 − p⁻) flips where hᵢ = 1: c′ predicts truth ⊕ h as well as c predicts truth. So the loss
/// cannot prefer knowledge over any other feature.
public struct TheoremCheck: Sendable {
    public var feature: String
    /// CCS loss of the fitted probe and of the h-swapped probe, on the same pairs.
    public var fittedLoss: Double, swappedLoss: Double
    /// Sign-free accuracies of both probes against the truth and against truth ⊕ h.
    public var fittedTruthAccuracy: Double, swappedTruthAccuracy: Double
    public var fittedXorAccuracy: Double, swappedXorAccuracy: Double

    /// Credences (p⁺, p⁻) of `probe` on `data`, the swap on pairs where `feature` is 1, and the scores.
    public init(probe: FittedProbe, data: ProbeData, feature values: [Int], name: String, symmetric: Bool = false) {
        precondition(values.count == data.count && data.labels.count == data.count)
        let (p, q) = probe.credences(data)
        let swappedP = (0..<data.count).map { values[$0] == 1 ? q[$0] : p[$0] }
        let swappedQ = (0..<data.count).map { values[$0] == 1 ? p[$0] : q[$0] }
        func loss(_ p: [Float], _ q: [Float]) -> Double {
            Double(CCS.loss(positive: p, negative: q, symmetric: symmetric))
        }
        func accuracy(_ p: [Float], _ q: [Float], _ target: [Int]) -> Double {
            let right = zip(zip(p, q), target).filter { ((0.5 * ($0.0.0 + 1 - $0.0.1)) > 0.5 ? 1 : 0) == $0.1 }.count
            let a = Double(right) / Double(target.count)
            return max(a, 1 - a)
        }
        let xor = zip(data.labels, values).map { $0 ^ $1 }
        feature = name
        fittedLoss = loss(p, q)
        swappedLoss = loss(swappedP, swappedQ)
        fittedTruthAccuracy = accuracy(p, q, data.labels)
        swappedTruthAccuracy = accuracy(swappedP, swappedQ, data.labels)
        fittedXorAccuracy = accuracy(p, q, xor)
        swappedXorAccuracy = accuracy(swappedP, swappedQ, xor)
    }
}
