import SciDLSupport
import SciDLTensor

/// Saved probes applied to activations without refitting: the train-on-A, test-on-B measurements of
/// `scidl eval`.
public enum ProbeTransfer {
    public struct Result: Sendable {
        public var probe: SavedProbes.Probe
        /// Whether these are the activations the probe was fitted on: then it is scored on its own held-out
        /// pairs, normalised as in the run, which reproduces the run's numbers.
        public var sameActivations: Bool
        public var score: ProbeScore
    }

    /// Scores every saved probe on `activations`, oriented as the run decided on its training pairs. On other
    /// activations, every pair is scored after the probe's normalisation is fitted on these pairs (it reads no
    /// labels) — or, with `savedStatistics`, after the side statistics saved with the probe are applied as they
    /// are. A `random` probe brings the baseline's other directions, drawn again from its seed.
    public static func evaluate(
        _ saved: SavedProbes, on activations: ContrastActivations, savedStatistics: Bool = false
    ) throws -> [Result] {
        let hash = SavedProbes.activationsHash(activations)
        guard activations.labels.count == activations.count else {
            throw SciDLError("the evaluation activations have no labels: scoring needs them (give --labels FILE)")
        }
        try ClassBalance(activations.labels).requireBothClasses(
            "the \(activations.count) evaluation pairs' labels", hint: "check --label-column or draw a --sample")
        var clusters: [Int: [Int]?] = [:]
        return try saved.probes.map { p in
            guard let slot = activations.layers.firstIndex(of: p.layer) else {
                throw SciDLError(
                    """
                    a probe was fitted at layer \(p.layer), which the evaluation activations lack (they hold \
                    \(activations.layers.map(String.init).joined(separator: ", ")))
                    """)
            }
            guard p.probe.direction.count == activations.width else {
                throw SciDLError(
                    """
                    the probes are \(p.probe.direction.count) wide but the evaluation activations \
                    \(activations.width): probes apply to the model (or one of the same width) they were fitted on
                    """)
            }
            let same = saved.activations[p.template] == hash
            let data: ProbeData
            if same || !savedStatistics {
                if clusters[slot] == nil {
                    clusters[slot] = Elicitation.clusterLabels(activations, slot: slot, settings: saved.settings)
                }
                let all = Array(0..<activations.count)
                let split = same ? p.split : PairSplit(train: all, test: all)
                data =
                    Elicitation.normalised(
                        activations, slot: slot, split: split, settings: saved.settings, clusters: clusters[slot]!
                    ).test
            } else {
                let raw = ProbeData(activations, layer: slot, indices: Array(0..<activations.count))
                data = p.sides.map { $0.apply(raw) } ?? raw
            }
            // Oriented as the run decided on the probe's training pairs: on its own activations that is the
            // decision the run made, elsewhere there are no training pairs to decide on.
            let seed = Elicitation.probeSeed(p.seed, layer: p.layer)
            let score = CellScores(p.probe, train: nil, test: data, probeSeed: seed).score(
                against: data.labels, reversed: p.truthReversals, intervalSeed: seed)
            return Result(probe: p, sameActivations: same, score: score)
        }
    }
}
