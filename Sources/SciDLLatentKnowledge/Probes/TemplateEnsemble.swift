import SciDLSupport

/// elk's "full" ensembling over prompt templates: for each method, layer and seed, the probes fitted under
/// each template score the same held-out examples, and the example's scores are pooled. Scores are put on
/// one footing first, reading no labels: each template's scores centred on its threshold and divided by
/// their standard deviation over the test pairs, and its sign matched to the first template's by the sign
/// of their correlation (an unsupervised probe's sign is arbitrary, and PCA's projections have no common
/// scale). The pooled score predicts x⁺ true above 0, oriented as the first template's probe. For `random` the
/// pool is of the first random direction only (no spread over directions).
public enum TemplateEnsemble {
    public static let templateName = "ensemble"

    /// One pooled result per (method, layer, seed) fitted under every template of `results`; nothing when
    /// fewer than two templates were run.
    public static func pool(_ results: [ProbeResult]) -> [ProbeResult] {
        let templates = results.map(\.template).uniqued()
        guard templates.count >= 2 else { return [] }
        var pooled: [ProbeResult] = []
        for r in results where r.template == templates[0] {
            let members = templates.compactMap { t in
                results.first { $0.template == t && $0.method == r.method && $0.layer == r.layer && $0.seed == r.seed }
            }
            guard members.count == templates.count,
                members.allSatisfy({ $0.split == r.split && $0.testLabels == r.testLabels })
            else { continue }
            let standardised = members.map { m -> [Double] in
                let centred = m.testScores.map { Double($0 - m.probe.threshold) }
                let mean = centred.reduce(0, +) / Double(centred.count)
                let sd = (centred.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(centred.count)).squareRoot()
                return centred.map { $0 / max(sd, 1e-12) }
            }
            var sum = [Double](repeating: 0, count: r.testScores.count)
            for s in standardised {
                let agreement = zip(s, standardised[0]).reduce(0) { $0 + $1.0 * $1.1 }
                for i in sum.indices { sum[i] += agreement < 0 ? -s[i] : s[i] }
            }
            let scores = sum.map { Float($0 / Double(standardised.count)) }
            var result = r
            result.template = templateName
            result.probe = FittedProbe(method: r.method, direction: [], bias: 0)
            result.testScores = scores
            // The pooled scores carry the first template's sign, so its probe's orientation (decided on its
            // training pairs) orients them.
            let truth = ProbeScore(
                scores: scores, threshold: 0, against: r.testLabels, reversed: r.truthReversals[0],
                intervalSeed: Elicitation.probeSeed(r.seed, layer: r.layer))
            result.scores = [.truth: truth]
            result.comparedWithPCA = nil
            result.truthReversals = [r.truthReversals[0]]
            result.sides = nil
            pooled.append(result)
        }
        return pooled
    }
}
