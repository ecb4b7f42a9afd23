import Foundation

/// A grid from a paper, by the figure it reproduces (its sizes and seeds), or one of SciDL's own, centred on
/// what SciDL measures (then with its model and steps too).
public enum SweepPreset: String, CaseIterable, Sendable {
    /// Varma et al. 2023, Fig. 7 (ungrokking): 7 sizes spaced geometrically in [390, 1494], 10 seeds each,
    /// every run continuing from one grokked network.
    case varma2023Fig7 = "varma2023-fig7"
    /// Varma et al. 2023, Fig. 5 (semi-grokking): 20 sizes spaced evenly in [1500, 2050], 10 seeds each,
    /// from scratch.
    case varma2023Fig5 = "varma2023-fig5"
    /// Semi-grokking where it is reachable: the embedding MLP on a+b mod 31 (1–3 ms a step), 7 sizes every 20
    /// around its measured D_crit (358–361 from `dcrit`'s test-accuracy crossing, 338–450 from the norms),
    /// 3 seeds, 100,000 steps.
    case mlp31NearDcrit = "mlp31-near-dcrit"
    /// The same with StableMax's cross-entropy, whose D_crit SciDL measures at 522–525: sizes around it.
    case mlp31StableMaxNearDcrit = "mlp31-stablemax-near-dcrit"
    /// The same with Grokfast EMA (α 0.98, λ 2) and 30,000 steps, around the D_crit of ≈ 414 that 3,000-step
    /// `dcrit` runs measured: does a faster method keep the circuit competition, and so semi-grok sooner?
    case mlp31GrokfastNearDcrit = "mlp31-grokfast-near-dcrit"
    /// The paper's own model and optimizer (the p = 113 one-layer transformer, AdamW lr 1e-3, weight decay 1,
    /// full batch) on sizes from its measured D_crit (≈ 560–700) up to twice it, 3 seeds, 1,000,000 steps: a
    /// cluster's grid (`--slurm`; test accuracy every 500 steps); on one machine give it fewer `--steps` and
    /// `--seeds`.
    case p113NearDcrit = "p113-near-dcrit"

    /// The command the preset belongs to.
    public var command: String {
        switch self {
        case .varma2023Fig7: UngrokkingExperiment.command
        case .varma2023Fig5, .mlp31NearDcrit, .mlp31StableMaxNearDcrit, .mlp31GrokfastNearDcrit, .p113NearDcrit:
            SemiGrokkingExperiment.command
        }
    }

    /// The run every size and seed starts from, for SciDL's own presets (flags given with the preset change
    /// it further); nil for a paper's grid, which takes the command's defaults.
    public var base: GrokConfig? {
        switch self {
        case .varma2023Fig7, .varma2023Fig5: return nil
        case .p113NearDcrit:
            var c = GrokConfig()
            c.steps = 1_000_000
            (c.evalEvery, c.checkpointEvery) = (500, 10_000)
            c.stopAtTestAccuracy = nil
            return c
        case .mlp31NearDcrit, .mlp31StableMaxNearDcrit, .mlp31GrokfastNearDcrit:
            var c = GrokConfig()
            (c.modulus, c.learningRate) = (31, 1e-2)
            c.model = ModelShape(kind: .mlp, modelWidth: 64, heads: c.model.heads, mlpWidth: 256)
            c.steps = 100_000
            c.checkpointEvery = 10_000
            c.stopAtTestAccuracy = nil
            if self == .mlp31StableMaxNearDcrit { c.loss = .stableMax }
            if self == .mlp31GrokfastNearDcrit { (c.gradientFilter, c.steps) = (.grokfast, 30_000) }
            return c
        }
    }

    public var sizes: [Int] {
        switch self {
        case .varma2023Fig7: Self.geometric(from: 390, to: 1494, count: 7)
        case .varma2023Fig5: (0..<20).map { Int((1500 + 550 * Double($0) / 19).rounded()) }
        case .mlp31NearDcrit: Array(stride(from: 300, through: 420, by: 20))
        case .mlp31StableMaxNearDcrit: Array(stride(from: 460, through: 580, by: 20))
        case .mlp31GrokfastNearDcrit: Array(stride(from: 360, through: 480, by: 20))
        case .p113NearDcrit: [600, 700, 850, 1000, 1200, 1400]
        }
    }

    public var seeds: [UInt64] {
        switch self {
        case .varma2023Fig7, .varma2023Fig5: Array(0..<10)
        case .mlp31NearDcrit, .mlp31StableMaxNearDcrit, .mlp31GrokfastNearDcrit, .p113NearDcrit: [0, 1, 2]
        }
    }

    /// Where the grid comes from, for the start of the run.
    public var citation: String {
        switch self {
        case .varma2023Fig7:
            "Varma et al. 2023, Fig. 7: ungrokking, 7 sizes geometric in [390, 1494] × 10 seeds"
        case .varma2023Fig5:
            """
            Varma et al. 2023, Fig. 5: semi-grokking, 20 sizes in [1500, 2050] × 10 seeds — the paper's absolute \
            sizes for its own setup; SciDL's p = 113 transformer has D_crit ≈ 560–700 (docs/circuit-efficiency.md)
            """
        case .mlp31NearDcrit:
            """
            SciDL: semi-grokking near the measured D_crit (≈ 360) of the embedding MLP on a+b mod 31 (lr 1e-2, \
            d_model 64, d_mlp 256, weight decay 1): 7 sizes in [300, 420] × 3 seeds, 100,000 steps each
            """
        case .mlp31StableMaxNearDcrit:
            """
            SciDL: the same MLP with StableMax's cross-entropy, near its measured D_crit (≈ 522): 7 sizes in \
            [460, 580] × 3 seeds, 100,000 steps each
            """
        case .mlp31GrokfastNearDcrit:
            """
            SciDL: the same MLP with Grokfast EMA (α 0.98, λ 2), around the D_crit 3,000-step dcrit runs measured \
            (≈ 414): 7 sizes in [360, 480] × 3 seeds, 30,000 steps each
            """
        case .p113NearDcrit:
            """
            SciDL: the paper's p = 113 transformer (AdamW lr 1e-3, weight decay 1, full batch) from its measured \
            D_crit (≈ 560–700) to twice it: 6 sizes in [600, 1400] × 3 seeds, 1,000,000 steps each
            """
        }
    }

    /// `count` integers spaced evenly in log between `from` and `to`, both included.
    static func geometric(from: Double, to: Double, count: Int) -> [Int] {
        (0..<count).map { Int((from * pow(to / from, Double($0) / Double(count - 1))).rounded()) }
    }
}
