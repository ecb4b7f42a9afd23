import Foundation
import SciDLSupport
import SciDLTensor

/// One arm of a critique experiment (Farquhar, Varma et al. 2023): contrast pairs plus the binary
/// features that compete with the truth for a probe's attention, one value per pair.
public struct ChallengeCondition: Sendable {
    public var name: String
    public var pairs: [ContrastPair]
    public var features: [PairFeature: [Int]]

    public init(name: String, pairs: [ContrastPair], features: [PairFeature: [Int]] = [:]) {
        self.name = name
        self.pairs = pairs
        self.features = features
    }
}

/// The critique experiments' prompts.
public enum Challenges {
    /// A seeded random half: exactly ⌊n/2⌋ ones, in random order.
    public static func halves(_ n: Int, seed: UInt64, stream: RandomStream) -> [Int] {
        var random = SeededGenerator(seed: seed, stream: stream)
        var out = [Int](repeating: 0, count: n)
        for i in random.permutation(n).prefix(n / 2) { out[i] = 1 }
        return out
    }
}
