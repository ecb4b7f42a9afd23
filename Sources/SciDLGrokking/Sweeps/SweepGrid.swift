import Foundation
import SciDLSupport

/// The sizes, weight decays and seeds a circuit-efficiency sweep is asked for (nil: the experiment's defaults),
/// checked before any training starts.
public struct SweepGrid: Sendable {
    public var sizes: [Int]?
    public var weightDecays: [Double]?
    public var seeds: [UInt64]?

    public init(sizes: [Int]? = nil, weightDecays: [Double]? = nil, seeds: [UInt64]? = nil) {
        (self.sizes, self.weightDecays, self.seeds) = (sizes, weightDecays, seeds)
    }

    /// Every list non-empty, valid and without repeats.
    public func validate() throws {
        if let sizes {
            guard !sizes.isEmpty else {
                throw SciDLError("--sizes is empty: give training-set sizes, e.g. --sizes 500,1000")
            }
            if let bad = sizes.first(where: { $0 <= 0 }) {
                throw SciDLError("--sizes must be positive training-set sizes (got \(bad))")
            }
            try requireDistinct(sizes, "--sizes")
        }
        if let seeds {
            guard !seeds.isEmpty else { throw SciDLError("--seeds is empty: give e.g. --seeds 0,1,2") }
            try requireDistinct(seeds, "--seeds")
        }
        if let weightDecays {
            guard !weightDecays.isEmpty else {
                throw SciDLError("--weight-decays is empty: give e.g. --weight-decays 1,0.3")
            }
            if let bad = weightDecays.first(where: { !($0 >= 0 && $0.isFinite) }) {
                throw SciDLError("--weight-decays must be finite and ≥ 0 (got \(bad))")
            }
            try requireDistinct(weightDecays, "--weight-decays")
        }
    }

    /// The weight decays: these, or the base run's one (`given`: the base's was set explicitly).
    public func weightDecays(_ base: GrokConfig, given: Bool) throws -> [Double] {
        if given && weightDecays != nil {
            throw SciDLError("--weight-decay and --weight-decays contradict each other: give one")
        }
        return weightDecays ?? [base.weightDecay]
    }

    /// The sizes and seeds: a preset's (which must belong to `command` and then refuses other sizes, though
    /// `--seeds` may replace its seeds), or these, or the defaults.
    public func sizesAndSeeds(
        _ preset: SweepPreset?, command: String, defaultSizes: [Int], defaultSeeds: [UInt64]?
    ) throws -> (sizes: [Int], seeds: [UInt64]?) {
        guard let preset else { return (sizes ?? defaultSizes, seeds ?? defaultSeeds) }
        guard preset.command == command else {
            throw SciDLError("--preset \(preset.rawValue) belongs to `scidl \(preset.command)`, not `scidl \(command)`")
        }
        // The sizes are what makes the preset; the seeds are how many repeats a machine can afford.
        if sizes != nil {
            throw SciDLError("--preset \(preset.rawValue) sets the sizes: drop --sizes (--seeds may narrow it)")
        }
        return (preset.sizes, seeds ?? preset.seeds)
    }
}
