import Foundation
import SciDLAutodiff
import SciDLSupport
import SciDLTensor

/// Everything that determines a grokking run. Saved with every checkpoint, so a resumed run continues
/// with exactly the settings it started with.
public struct GrokConfig: Codable, Sendable, Equatable {
    public var operation: BinaryOperation = .add
    /// p (ignored by `s5`).
    public var modulus = 113
    /// Share of all pairs used for training; ignored when `trainCount` is set.
    public var trainFraction = 0.3
    /// Absolute number of training pairs, overriding `trainFraction`.
    public var trainCount: Int? = nil
    public var seed: UInt64 = 0
    public var model = ModelShape()
    public var learningRate = 1e-3
    public var beta1 = 0.9
    public var beta2 = 0.98
    /// AdamW's ε (PyTorch's default 1e-8; Prieto et al. use 1e-25, so that tiny gradients still move the
    /// weights once softmax collapse has made most of them zero).
    public var adamEpsilon = 1e-8
    public var weightDecay = 1.0
    /// Training steps (optimizer updates) in total.
    public var steps = 25_000
    /// Examples per step; `nil` for full-batch training on the whole training set.
    public var batchSize: Int? = nil
    /// Evaluate and log metrics every this many steps.
    public var evalEvery = 100
    /// Write a checkpoint every this many steps (and at the end).
    public var checkpointEvery = 1000
    /// Stop once test accuracy reaches this value at an evaluation; `nil` to run all steps.
    public var stopAtTestAccuracy: Double? = 0.99
    /// Train on uniformly random labels (seeded) instead of the true answers: only memorisation can fit
    /// them, which isolates the memorising circuit's cost.
    public var randomLabels = false
    /// Train on a seeded random subset of this many of the split's training examples (the test set is
    /// unchanged), e.g. to retrain a grokked network on less data.
    public var trainSubset: Int? = nil
    /// The seed of `trainSubset`'s draw when it should differ from `seed` (which also fixes the split):
    /// ungrokking's seeds draw other subsets of one grokked network's training set.
    public var subsetSeed: UInt64? = nil
    /// Start from the weights in this run directory's checkpoint instead of a fresh initialisation (the
    /// optimizer starts fresh).
    public var initialCheckpoint: String? = nil

    // The training-step variants of the literature since the seed papers, all off by default.
    /// Grokfast's low-pass gradient filter (Lee et al. 2024); nil for none.
    public var gradientFilter: GradientFilter? = nil
    /// The cross-entropy's probabilities and their arithmetic: softmax in float, softmax in float64, or StableMax
    /// (Prieto et al. 2025).
    public var loss = ClassificationLoss.softmax
    /// ⊥Grad (Prieto et al. 2025): each gradient's component along its own weights removed before AdamW.
    public var orthogonalGradients = false
    /// Omnigrok's initialisation scale α (Liu et al. 2022): every freshly initialised weight × α.
    public var initScale = 1.0
    /// Omnigrok's constrained training: after every step, the weights' total L2 norm is set back to its value
    /// at initialisation (after `initScale`).
    public var constrainNorm = false

    public init() {}

    /// The settings (by their `config.json` names) in which this config differs from `other`.
    public func differences(from other: GrokConfig) -> [String] {
        func fields(_ c: GrokConfig) -> [String: String] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            guard let data = try? encoder.encode(c),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return [:] }
            return object.mapValues { value in
                let data = try? JSONSerialization.data(
                    withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
                return data.map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            }
        }
        let (a, b) = (fields(self), fields(other))
        return Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }

    /// A config saved as JSON (a run's `config.json`, a checkpoint's `config` metadata), checked.
    public init(json: Data, source: String) throws {
        do {
            // A setting missing from the file (written before it existed) keeps its default, so older runs
            // and checkpoints still load: the file's settings are laid over the defaults before decoding.
            guard let given = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
                throw SciDLError("it is not a JSON object")
            }
            // Optional settings are left out of the file when nil, so absent means nil for them: their defaults
            // are not laid under (the one with a non-nil default is the early stop).
            var base = GrokConfig()
            base.stopAtTestAccuracy = nil
            let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as! [String: Any]
            func overlay(_ base: [String: Any], _ top: [String: Any]) -> [String: Any] {
                base.merging(top) { old, new in
                    guard let o = old as? [String: Any], let n = new as? [String: Any] else { return new }
                    return overlay(o, n)
                }
            }
            let merged = try JSONSerialization.data(withJSONObject: overlay(defaults, given))
            self = try JSONDecoder().decode(GrokConfig.self, from: merged)
        } catch {
            throw SciDLError("\(source): the grokking config cannot be read (\(printable(String(describing: error))))")
        }
        try validate()
    }

    /// How the training set is sized.
    public var trainingSize: TrainingSize { trainCount.map(TrainingSize.count) ?? .fraction(trainFraction) }

    /// Checks every setting, explaining what to change.
    public func validate() throws {
        try model.validate()
        guard steps > 0 else { throw SciDLError("--steps must be a positive integer (got \(steps))") }
        guard evalEvery > 0 else { throw SciDLError("--eval-every must be positive (got \(evalEvery))") }
        guard checkpointEvery > 0 else {
            throw SciDLError("--checkpoint-every must be positive (got \(checkpointEvery))")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw SciDLError("--lr must be positive (got \(learningRate))")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw SciDLError("--weight-decay must be ≥ 0 (got \(weightDecay))")
        }
        // AdamW's decoupled decay multiplies every weight by 1 − lr·wd per step: at 1 or more it zeroes or
        // flips them, which no training survives.
        guard learningRate * weightDecay < 1 else {
            throw SciDLError(
                """
                --weight-decay \(weightDecay) with --lr \(learningRate) shrinks every weight by lr·wd = \
                \(learningRate * weightDecay) per step (must be below 1): lower one of them
                """)
        }
        guard adamEpsilon > 0, adamEpsilon.isFinite, Float(adamEpsilon) > 0 else {
            throw SciDLError("--adam-epsilon must be positive and representable in float32 (got \(adamEpsilon))")
        }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw SciDLError("AdamW betas must lie in [0, 1) (got \(beta1), \(beta2))")
        }
        if let problem = gradientFilter?.problem { throw SciDLError(problem) }
        guard initScale > 0, initScale.isFinite else {
            throw SciDLError("--init-scale must be a positive number (got \(initScale))")
        }
        if let b = batchSize, b <= 0 { throw SciDLError("--batch-size must be positive (got \(b))") }
        if let s = stopAtTestAccuracy, !(s > 0 && s <= 1) {
            throw SciDLError("--stop-at-test-accuracy must be in (0, 1] (got \(s))")
        }
        if trainCount == nil, !(trainFraction > 0 && trainFraction < 1) {
            throw SciDLError("--train-fraction \(trainFraction) is outside (0, 1): use e.g. --train-fraction 0.3")
        }
        let task = try AlgorithmicTask(operation: operation, modulus: modulus)
        let trainTotal = try trainingSize.resolve(total: task.count)
        if let subset = trainSubset, !(1...trainTotal).contains(subset) {
            throw SciDLError("--train-subset \(subset) must be between 1 and the \(trainTotal) training examples")
        }
    }
}
