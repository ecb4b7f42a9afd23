/// Everything SciDL draws random numbers for. Each purpose draws from its own stream of the user's seed,
/// so that changing one use (the number of CCS restarts, say) never shifts another (the train/test split).
public enum RandomStream: CaseIterable, Sendable {
    // A grokking run.
    /// Which examples of the task's table train and which test.
    case split
    /// The network's initial weights.
    case initialisation
    /// The order and make-up of minibatches.
    case minibatches
    /// Random labels for the memorising runs of the critical-size experiment.
    case labels
    /// The random subset an ungrokking run retrains on.
    case subset

    // The latent-knowledge lab.
    /// Which contrast pairs train a probe and which test it.
    case probeSplit
    /// Which examples `--sample` draws from a data set.
    case sample
    /// The bootstrap's resamples of the test pairs.
    case bootstrap
    /// CCS's random restarts.
    case ccsStarts
    /// The random-direction baseline probe.
    case randomProbe
    /// k-means++ starting centres.
    case kMeansStarts
    /// The built-in true/false sets (comparisons, arithmetic).
    case builtInData
    /// Which half of the pairs gets the first distractor word.
    case distractorWords
    /// Which half of the pairs Alice's explicit opinion favours the positive answer in.
    case opinionHolders
    /// The implicit-opinion experiment's few-shot examples and their order.
    case implicitOpinionShots
    /// The theorem check's random binary feature h.
    case randomFeature
    /// The fuzzer's mutations of its seed inputs.
    case fuzzing
    /// The pairs a report's picture of the differences shows when there are too many to draw.
    case pictureSample

    /// The stream's seed for the user's `seed`. The grokking streams mix the seed with their number; the
    /// latent-knowledge streams flip bits with a tag of their own. Both derivations are kept as they were
    /// first published, so a seed still gives the same numbers (`RandomStreamTests` checks that no two
    /// streams of one seed coincide).
    public func seed(from seed: UInt64) -> UInt64 {
        switch self {
        case .split: mix(seed, 1)
        case .initialisation: mix(seed, 2)
        case .minibatches: mix(seed, 3)
        case .labels: mix(seed, 4)
        case .subset: mix(seed, 5)
        case .fuzzing: mix(seed, 6)
        case .sample: mix(seed, 7)
        case .bootstrap: mix(seed, 8)
        case .pictureSample: mix(seed, 9)
        case .probeSplit: seed ^ 0x5B117
        case .ccsStarts: seed ^ 0xCC5
        case .randomProbe: seed ^ 0x4A4D
        case .kMeansStarts: seed ^ 0x2EA5
        case .builtInData: seed ^ 0x5EED_DA7A
        case .distractorWords: seed ^ 0xBA7A7A
        case .opinionHolders: seed ^ 0xA11CE ^ 0xBA7A7A
        case .implicitOpinionShots: seed ^ 0x1A71C17
        case .randomFeature: seed ^ 0xFEA7 ^ 0xBA7A7A
        }
    }

    private func mix(_ seed: UInt64, _ number: UInt64) -> UInt64 {
        seed &* 0x9E37_79B9_7F4A_7C15 ^ number &* 0xD1B5_4A32_D192_ED03
    }
}

extension SeededGenerator {
    /// The generator for one purpose, drawn from the user's `seed`.
    public init(seed: UInt64, stream: RandomStream) {
        self.init(seed: stream.seed(from: seed))
    }
}
