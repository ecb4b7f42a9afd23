import Foundation

/// A grid from a paper, by the figure it reproduces: its sizes and seeds.
public enum SweepPreset: String, CaseIterable, Sendable {
    /// Varma et al. 2023, Fig. 7 (ungrokking): 7 sizes spaced geometrically in [390, 1494], 10 seeds each,
    /// every run continuing from one grokked network.
    case varma2023Fig7 = "varma2023-fig7"
    /// Varma et al. 2023, Fig. 5 (semi-grokking): 20 sizes spaced evenly in [1500, 2050], 10 seeds each,
    /// from scratch.
    case varma2023Fig5 = "varma2023-fig5"

    /// The command the preset belongs to.
    public var command: String {
        switch self {
        case .varma2023Fig7: UngrokkingExperiment.command
        case .varma2023Fig5: SemiGrokkingExperiment.command
        }
    }

    public var sizes: [Int] {
        switch self {
        case .varma2023Fig7: Self.geometric(from: 390, to: 1494, count: 7)
        case .varma2023Fig5: (0..<20).map { Int((1500 + 550 * Double($0) / 19).rounded()) }
        }
    }

    public var seeds: [UInt64] { Array(0..<10) }

    /// Where the grid comes from, for the start of the run.
    public var citation: String {
        switch self {
        case .varma2023Fig7:
            "Varma et al. 2023, Fig. 7: ungrokking, 7 sizes geometric in [390, 1494] × 10 seeds"
        case .varma2023Fig5:
            "Varma et al. 2023, Fig. 5: semi-grokking, 20 sizes in [1500, 2050] × 10 seeds"
        }
    }

    /// `count` integers spaced evenly in log between `from` and `to`, both included.
    static func geometric(from: Double, to: Double, count: Int) -> [Int] {
        (0..<count).map { Int((from * pow(to / from, Double($0) / Double(count - 1))).rounded()) }
    }
}
