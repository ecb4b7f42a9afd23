import SciDLReports

/// The quantities a grokking run logs (`metrics.csv`) and a sweep tabulates (`results.csv`).
extension MetricName {
    /// Cross-entropy on the training pairs.
    public static let trainLoss = MetricName("train_loss")
    /// Cross-entropy on the held-out pairs.
    public static let testLoss = MetricName("test_loss")
    public static let trainAccuracy = MetricName("train_accuracy")
    public static let testAccuracy = MetricName("test_accuracy")
    /// The L2 norm of all parameters.
    public static let weightNorm = MetricName("weight_norm")
    /// Share of training pairs in softmax collapse (Prieto et al. 2025): float32's Σ e^(x − max) is exactly 1,
    /// so their cross-entropy gradient is zero.
    public static let softmaxCollapse = MetricName("softmax_collapse")
    /// cos(w, −∇L) over all weights at the step before the evaluation: near 1 when descent only scales the
    /// weights up (naive loss minimisation, Prieto et al. 2025).
    public static let weightDescentCosine = MetricName("weight_descent_cosine")
    /// Mean correct-class logit on the training pairs.
    public static let trainCorrectLogit = MetricName("train_correct_logit")
    /// Mean margin of the correct logit over the largest other.
    public static let trainMargin = MetricName("train_margin")
    /// Progress measure: the loss with only the key Fourier frequencies kept.
    public static let restrictedLoss = MetricName("restricted_loss")
    /// Progress measure: the training loss with the key frequencies removed.
    public static let excludedLoss = MetricName("excluded_loss")
    /// Progress measure: Fourier sparsity of the embedding.
    public static let giniEmbedding = MetricName("gini_embedding")
    /// Progress measure: Fourier sparsity of the neuron-to-logit map.
    public static let giniNeuronLogit = MetricName("gini_neuron_logit")
    public static let weightNormSquared = MetricName("weight_norm_squared")
    public static let keyFrequencyCount = MetricName("key_frequency_count")
    /// A sweep run: its training-set size D.
    public static let trainSize = MetricName("train_size")
    /// A sweep run: 1 when trained on random labels.
    public static let randomLabels = MetricName("random_labels")
    public static let weightDecay = MetricName("weight_decay")
    public static let seed = MetricName("seed")
    /// A sweep run: steps trained.
    public static let steps = MetricName("steps")
    /// A sweep run: the first step at 99 % test accuracy.
    public static let testAccuracy99Step = MetricName("test_accuracy_99_step")
    public static let wallSeconds = MetricName("wall_seconds")

    /// The L2 norm of one parameter tensor, by its TransformerLens-style name.
    public static func parameterNorm(_ parameter: String) -> MetricName { MetricName("norm." + parameter) }
}
