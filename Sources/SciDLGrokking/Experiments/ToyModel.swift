import Foundation
import SciDLSupport
import SciDLTensor

/// The two-circuit toy model of grokking (after Varma et al. 2023), small enough to run in milliseconds.
///
/// A task has D training examples and K classes. Two "circuits" add logit to the correct class:
///
///     generalising:  G = s_g · g₁ · g₂            on every input, seen or not
///     memorising:    M_j = s_m · m_j               on training example j only (one weight per example)
///
/// Training minimises the mean cross-entropy of the D examples (correct logit G + M_j, wrong logits 0)
/// by gradient descent with decoupled weight decay λ. The generalising circuit is *slower*: a product of
/// two small weights grows only exponentially from its start. It is also *more efficient* for large
/// logits: its squared norm grows like G, while memorising a logit M on every example costs D·M²/s_m²,
/// more the larger the training set. At equilibrium (the gradient of either weight balancing its decay),
///
///     |ℓ'(z*)| = λ / s_g,  z* = ln((K − 1)(s_g/λ − 1)),   M = s_m² / (s_g D),   G = z* − M,
///
/// so the generalising circuit survives only above the critical size D_crit = s_m² / (s_g z*).
///
/// On unseen inputs memorisation adds no correct-class logit, only interference: every class gets a
/// fixed random logit of scale σ₀ + κ·rms(M), σ₀ being the logit noise of an untrained network. A test
/// input is classified correctly when G plus its noise beats every wrong class's noise: chance (1/K) at
/// G = 0, certain at G ≫ κM, and in between — semi-grokking — when the two circuits end comparable.
/// Training inputs are judged the same way with M_j added to their correct logit and only the noise
/// floor σ₀: what memorisation stored for them is what it recalls.
public struct ToyModel: Sendable {
    /// The toy's constants.
    public struct Settings: Codable, Sendable, Equatable {
        public var classes = 10
        public var weightDecay = 0.01
        public var learningRate = 0.1
        /// s_g: logit per unit product of the generalising weights.
        public var generalisingScale = 1.0
        /// s_m: logit per unit memorising weight; sets D_crit.
        public var memorisationScale = 36.85
        /// κ: scale of memorisation's interference on unseen inputs, relative to rms(M).
        public var interference = 0.5
        /// σ₀: logit noise of an untrained network, on every input.
        public var noiseFloor = 0.1
        /// Starting value of each generalising weight (small: the circuit starts weak).
        public var generalisingStart = 0.01
        /// Unseen inputs used to measure test accuracy.
        public var testExamples = 2000
        public var seed: UInt64 = 0

        public init() {}

        /// The logit at which the generalising circuit's gradient balances weight decay.
        public var equilibriumLogit: Double {
            log(Double(classes - 1) * (generalisingScale / weightDecay - 1))
        }

        /// D_crit = s_m² / (s_g z*), from the equilibrium conditions.
        public var criticalSize: Double {
            memorisationScale * memorisationScale / (generalisingScale * equilibriumLogit)
        }

        public func validate() throws {
            guard classes >= 2 else { throw SciDLError("the toy needs at least 2 classes (got \(classes))") }
            guard weightDecay > 0, weightDecay < generalisingScale else {
                throw SciDLError(
                    """
                    weight decay must be in (0, s_g = \(generalisingScale)) for the generalising circuit to \
                    survive at all (got \(weightDecay))
                    """
                )
            }
            guard learningRate > 0, memorisationScale > 0, generalisingScale > 0, interference >= 0,
                noiseFloor >= 0, generalisingStart > 0, testExamples > 0
            else {
                throw SciDLError("toy settings must be positive (learning rate, scales, start, test examples)")
            }
        }
    }

    public let settings: Settings
    /// g₁, g₂.
    public var generalising: (Double, Double)
    /// One weight per training example.
    public var memorising: [Double]
    /// Per unseen input, K fixed standard-normal draws (index 0: the correct class).
    let testNoise: [Double]

    /// A fresh model for `trainingSize` examples: the generalising weights small, memorisation at zero.
    public init(settings: Settings, trainingSize: Int) {
        self.settings = settings
        generalising = (settings.generalisingStart, settings.generalisingStart)
        memorising = [Double](repeating: 0, count: trainingSize)
        var rng = SeededGenerator(seed: settings.seed)
        testNoise = (0..<(settings.testExamples * settings.classes)).map { _ in rng.nextNormal() }
    }

    /// G, the generalising logit.
    public var generalisingLogit: Double { settings.generalisingScale * generalising.0 * generalising.1 }

    /// rms of M_j over the training set.
    public var memorisingLogit: Double {
        guard !memorising.isEmpty else { return 0 }
        let s = settings.memorisationScale
        return (memorising.reduce(0) { $0 + s * $1 * s * $1 } / Double(memorising.count)).squareRoot()
    }

    /// Keeps only the first `size` training examples' weights (retraining on a subset).
    public mutating func restrictTraining(to size: Int) {
        memorising = Array(memorising.prefix(size))
    }

    /// The cross-entropy of one example with correct logit z and K − 1 wrong logits at 0, and its
    /// derivative: for this logit vector it is log(1 + (K − 1)e^(−z)) in closed form, one exponential
    /// instead of K in the toy's innermost loop (`ToyModelTests` checks it against `crossEntropy`).
    func loss(_ z: Double) -> (value: Double, slope: Double) {
        let k = Double(settings.classes - 1)
        let e = k * exp(-z)
        return (log1p(e), -e / (1 + e))
    }

    /// One step of gradient descent with decoupled weight decay.
    public mutating func step() {
        let s = settings
        let d = Double(memorising.count)
        let g = generalisingLogit
        var meanSlope = 0.0
        for j in memorising.indices {
            let slope = loss(g + s.memorisationScale * memorising[j]).slope
            meanSlope += slope / d
            memorising[j] -= s.learningRate * (s.memorisationScale * slope / d + s.weightDecay * memorising[j])
        }
        let (g1, g2) = generalising
        generalising = (
            g1 - s.learningRate * (s.generalisingScale * g2 * meanSlope + s.weightDecay * g1),
            g2 - s.learningRate * (s.generalisingScale * g1 * meanSlope + s.weightDecay * g2)
        )
    }

    /// Training loss and accuracy, test loss and accuracy.
    public func measure() -> (trainLoss: Double, trainAccuracy: Double, testLoss: Double, testAccuracy: Double) {
        let s = settings
        let g = generalisingLogit
        let k = s.classes
        let unseen = s.noiseFloor + s.interference * memorisingLogit
        /// Loss and correctness of input `t`'s logits, noise of scale `sigma`, `extra` on the correct class.
        func judge(_ t: Int, extra: Double, sigma: Double) -> (loss: Double, correct: Bool) {
            let noise = testNoise[((t % s.testExamples) * k)..<((t % s.testExamples + 1) * k)]
            let logits = noise.map { sigma * $0 }.enumerated().map { $0.offset == 0 ? extra + $0.element : $0.element }
            return (crossEntropy(logits: logits, target: 0), logits[0] > logits.dropFirst().max()!)
        }
        var trainLoss = 0.0
        var trainCorrect = 0
        for (j, m) in memorising.enumerated() {
            trainLoss += loss(g + s.memorisationScale * m).value
            if judge(j, extra: g + s.memorisationScale * m, sigma: s.noiseFloor).correct { trainCorrect += 1 }
        }
        var testLoss = 0.0
        var testCorrect = 0
        for t in 0..<s.testExamples {
            let r = judge(t, extra: g, sigma: unseen)
            testLoss += r.loss
            if r.correct { testCorrect += 1 }
        }
        let n = Double(max(memorising.count, 1))
        return (
            trainLoss / n, Double(trainCorrect) / n, testLoss / Double(s.testExamples),
            Double(testCorrect) / Double(s.testExamples)
        )
    }
}
