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
        let d = data.width
        func project(_ x: [Float], _ i: Int) -> Float {
            var s = bias
            for k in 0..<d { s += direction[k] * x[i * d + k] }
            return s
        }
        switch method {
        case .ccs, .random:
            return (0..<data.count).map { i in 0.5 * (sigmoid(project(data.positive, i)) + 1 - sigmoid(project(data.negative, i))) }
        case .logistic:
            let diff = data.differences
            return (0..<data.count).map { sigmoid(project(diff, $0)) }
        case .pca, .kmeans:
            let diff = data.differences
            return (0..<data.count).map { project(diff, $0) }
        }
    }

    public var threshold: Float { method == .pca || method == .kmeans ? 0 : 0.5 }

    /// Predicted labels (1: x⁺ is true).
    public func predictions(_ data: ProbeData) -> [Int] { scores(data).map { $0 > threshold ? 1 : 0 } }
}

@inline(__always) func sigmoid(_ z: Float) -> Float { 1 / (1 + expf(-z)) }

extension ProbeMethod {
    /// Fits this method on (normalised) training pairs; `seed` drives initialisations.
    public func fit(_ data: ProbeData, seed: UInt64, ccs: CCSSettings = CCSSettings()) throws -> FittedProbe {
        switch self {
        case .ccs: return CCS.fit(data, settings: ccs, seed: seed)
        case .random:
            var random = SeededGenerator(seed: seed ^ 0x4A4D)
            let (w, b) = CCS.initialParameters(width: data.width, restarts: 1, random: &random)
            let probe = FittedProbe(method: .random, direction: w, bias: b[0])
            return FittedProbe(method: .random, direction: w, bias: b[0], loss: CCS.loss(probe, data, symmetric: ccs.symmetricConfidence))
        case .pca: return try principalComponent(data)
        case .kmeans: return twoMeans(data, seed: seed)
        case .logistic: return try logisticRegression(data)
        }
    }
}
