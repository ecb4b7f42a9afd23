import SciDLAutodiff
import SciDLTensor

/// A comparison from the grokking literature since the seed papers, in the paper's setting as far as SciDL's
/// models reach it: the runs side by side, one of them the baseline (`scidl compare --preset …`).
public enum LiteraturePreset: String, CaseIterable, Sendable {
    /// Lee et al. 2024 (Grokfast), their algorithmic-data setting and filter settings.
    case lee2024
    /// Grokfast on SciDL's canonical task (Nanda et al.'s p = 113 setting): the speed-up in steps and wall time.
    case lee2024P113 = "lee2024-p113"
    /// Prieto et al. 2025: without weight decay, softmax against StableMax and ⊥Grad.
    case prieto2025
    /// Liu, Michaud & Tegmark 2022 (Omnigrok): a large initialisation, and the weight norm held fixed.
    case liu2022

    /// One run of a comparison.
    public struct Variant: Sendable {
        /// Stable and short, part of the run's folder name.
        public var name: String
        /// What the reader sees in the figures.
        public var label: String
        public var config: GrokConfig

        public init(name: String, label: String, config: GrokConfig) {
            (self.name, self.label, self.config) = (name, label, config)
        }
    }

    /// Where the comparison comes from and what SciDL changes, for the start of the run and the report.
    public var citation: String {
        switch self {
        case .lee2024:
            """
            Lee et al. 2024 (Grokfast, arXiv 2405.20233), their algorithmic-data runs (repository README): a·b mod \
            97, 50 % of pairs, minibatches of 512, Adam lr 1e-3, β (0.9, 0.98); no weight decay for the baseline; \
            Grokfast EMA α 0.98, λ 2 with weight decay 0.005; Grokfast MA window 100, λ 5 with weight decay 0.01. \
            They report 95 % validation accuracy at 39,890 steps (baseline), 910 (EMA) and 790 (MA). SciDL's model \
            is its 1-layer transformer without LayerNorm (theirs: 2 layers with LayerNorm), its weight decay \
            AdamW's decoupled one (theirs: Adam's L2 term), its table all p² pairs (theirs: b ≠ 0)
            """
        case .lee2024P113:
            """
            Grokfast (Lee et al. 2024) on the canonical setting (Nanda et al. 2023): a+b mod 113, 30 % of pairs, \
            full batch, AdamW lr 1e-3, β (0.9, 0.98), weight decay 1, with and without the EMA filter (α 0.98, λ 2)
            """
        case .prieto2025:
            """
            Prieto et al. 2025 (arXiv 2501.04697), the transformer setting of their Fig. 6: a+b mod 113, 40 % of \
            pairs, full batch, lr 1e-3, β (0.9, 0.99), Adam ε 1e-25 (their code), no weight decay: softmax, \
            softmax in float64 (SciDL: the loss only; collapse delayed), StableMax, ⊥Grad (OrthoGrad before \
            AdamW), and softmax with weight decay 1.5 as in their figure. \
            Their transformer's width and depth differ from SciDL's (1 layer, d 128, no LayerNorm)
            """
        case .liu2022:
            """
            Liu, Michaud & Tegmark 2022 (Omnigrok, arXiv 2210.01117), weight norm on modular addition: the \
            canonical setting (a+b mod 113, 30 %, full batch, lr 1e-3) with the usual initialisation, with it \
            scaled by α = 3 (a large norm: generalisation predicted late), and both with no weight decay and the \
            norm held at its initial value (predicted: no delay at α = 1, none ever at α = 3)
            """
        }
    }

    /// Steps per run when `--steps` does not say.
    public var defaultSteps: Int {
        switch self {
        case .lee2024: 40_000
        case .lee2024P113: 25_000
        case .prieto2025: 5_000
        case .liu2022: 20_000
        }
    }

    /// The runs, the baseline first, each with `steps` steps.
    public func variants(steps: Int? = nil) -> [Variant] {
        var base = GrokConfig()
        base.steps = steps ?? defaultSteps
        base.checkpointEvery = 2_000
        func variant(_ name: String, _ label: String, _ change: (inout GrokConfig) -> Void) -> Variant {
            var c = base
            change(&c)
            return Variant(name: name, label: label, config: c)
        }
        switch self {
        case .lee2024:
            (base.operation, base.modulus, base.trainFraction, base.batchSize) = (.multiply, 97, 0.5, 512)
            base.weightDecay = 0
            return [
                variant("baseline", "Adam, no weight decay") { _ in },
                variant("grokfast-ema", "Grokfast EMA (α 0.98, λ 2), wd 0.005") {
                    ($0.gradientFilter, $0.weightDecay) = (.grokfast, 0.005)
                },
                variant("grokfast-ma", "Grokfast MA (w 100, λ 5), wd 0.01") {
                    ($0.gradientFilter, $0.weightDecay) = (.grokfastMA, 0.01)
                },
            ]
        case .lee2024P113:
            return [
                variant("baseline", "AdamW, weight decay 1") { _ in },
                variant("grokfast-ema", "Grokfast EMA (α 0.98, λ 2)") { $0.gradientFilter = .grokfast },
            ]
        case .prieto2025:
            (base.trainFraction, base.beta2, base.adamEpsilon, base.weightDecay) = (0.4, 0.99, 1e-25, 0)
            base.evalEvery = 50
            return [
                variant("softmax", "softmax, no weight decay") { _ in },
                variant("softmax-float64", "softmax in float64, no weight decay") { $0.loss = .softmaxInDouble },
                variant("stablemax", "StableMax, no weight decay") { $0.loss = .stableMax },
                variant("orthograd", "⊥Grad, no weight decay") { $0.orthogonalGradients = true },
                variant("softmax-wd1.5", "softmax, weight decay 1.5") { $0.weightDecay = 1.5 },
            ]
        case .liu2022:
            return [
                variant("baseline", "α 1, weight decay 1") { _ in },
                variant("init3", "α 3, weight decay 1") { $0.initScale = 3 },
                variant("constrained", "α 1, no weight decay, norm held") {
                    ($0.weightDecay, $0.constrainNorm) = (0, true)
                },
                variant("init3-constrained", "α 3, no weight decay, norm held") {
                    ($0.initScale, $0.weightDecay, $0.constrainNorm) = (3, 0, true)
                },
            ]
        }
    }
}
