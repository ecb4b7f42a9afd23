import Foundation
import SciDLAutodiff
import SciDLTensor

/// The ways to find a truth direction in contrast-pair activations.
public enum ProbeMethod: String, CaseIterable, Codable, Sendable {
    /// Contrast-Consistent Search (Burns et al. 2022): a linear probe whose credences on x⁺ and x⁻ are
    /// consistent (sum to one) and confident.
    case ccs
    /// Top principal component of the differences x⁺ − x⁻ (Burns et al.'s CRC, up to centring).
    case pca
    /// k-means with k = 2 on the differences.
    case kmeans
    /// A random direction: an untrained CCS probe.
    case random
    /// Logistic regression on the differences with the labels: a supervised ceiling, not discovery.
    case logistic

    /// Whether fitting reads the labels.
    public var isSupervised: Bool { self == .logistic }
    /// Whether the probe's scores are probabilities that x⁺ is true (PCA's and k-means's are projections).
    public var givesProbabilities: Bool { self != .pca && self != .kmeans }

    /// The label shown in tables and plots.
    public var displayName: String {
        switch self {
        case .ccs: "CCS"
        case .pca: "PCA"
        case .kmeans: "k-means"
        case .random: "random"
        case .logistic: "LR (supervised)"
        }
    }
}

/// Settings of the CCS fit (defaults from Burns et al.'s code).
public struct CCSSettings: Codable, Sendable {
    public enum Optimizer: String, Codable, Sendable, CaseIterable { case adamw, lbfgs }
    public var optimizer = Optimizer.adamw
    public var epochs = 1000
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 0.01
    /// Random restarts; the one with the lowest final loss is kept.
    public var restarts = 10
    /// The confidence term min(p⁺, p⁻, 1 − p⁺, 1 − p⁻)² instead of min(p⁺, p⁻)².
    public var symmetricConfidence = false

    public init() {}
}

/// A fitted probe: a direction, a bias and how they turn a pair into a score.
public struct FittedProbe: Sendable {
    public var method: ProbeMethod
    /// Unit or raw direction in activation space (length d).
    public var direction: [Float]
    public var bias: Float
    /// CCS loss on the training pairs (CCS and random probes).
    public var loss: Float?

    /// Scores of each pair: CCS and random give the credence 0.5·(p(x⁺) + 1 − p(x⁻)), logistic
    /// regression the probability that x⁺ is true, PCA and k-means the signed projection of x⁺ − x⁻.
    /// A pair is predicted true (x⁺ true) when its score exceeds `threshold`.
    public func scores(_ data: ProbeData) -> [Float] {
        switch method {
        case .ccs, .random:
            let (p, q) = credences(data)
            return zip(p, q).map { 0.5 * ($0 + 1 - $1) }
        case .logistic: return differenceProjections(data).map(sigmoid)
        case .pca, .kmeans: return differenceProjections(data)
        }
    }

    /// w·(x⁺ − x⁻) + b for every pair, the differences made a block at a time.
    func differenceProjections(_ data: ProbeData) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(data.count)
        data.forEachDifferenceBlock { _, x in out += projections(UnsafeBufferPointer(x), width: data.width) }
        return out
    }

    /// σ(w·x + b) on each side of every pair: the credences p(x⁺), p(x⁻) of a CCS-style probe.
    public func credences(_ data: ProbeData) -> (positive: [Float], negative: [Float]) {
        (
            projections(data.positive, width: data.width).map(sigmoid),
            projections(data.negative, width: data.width).map(sigmoid)
        )
    }

    /// w·x + b for every row of the row-major matrix `x`.
    func projections(_ x: [Float], width d: Int) -> [Float] {
        x.withUnsafeBufferPointer { projections($0, width: d) }
    }

    func projections(_ x: UnsafeBufferPointer<Float>, width d: Int) -> [Float] {
        direction.withUnsafeBufferPointer { w in
            (0..<(x.count / d)).map { bias + dot(w.baseAddress!, x.baseAddress! + $0 * d, count: d) }
        }
    }

    public var threshold: Float { method == .pca || method == .kmeans ? 0 : 0.5 }
}

extension ProbeMethod {
    /// Fits this method on (normalised) training pairs; `seed` drives initialisations.
    public func fit(_ data: ProbeData, seed: UInt64, ccs: CCSSettings = CCSSettings()) throws -> FittedProbe {
        switch self {
        case .ccs: return CCS.fit(data, settings: ccs, seed: seed)
        case .random:
            let probe = RandomBaseline.probes(width: data.width, seed: seed, count: 1)[0]
            return FittedProbe(
                method: .random, direction: probe.direction, bias: probe.bias,
                loss: CCS.loss(probe, data, symmetric: ccs.symmetricConfidence))
        case .pca: return try principalComponent(data)
        case .kmeans: return twoMeans(data, seed: seed)
        case .logistic: return try logisticRegression(data)
        }
    }
}
