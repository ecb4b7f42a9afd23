import SciDLReports
import SciDLSupport

/// The columns of `results.csv` and `eval.csv`, named as elk's eval.csv names them where elk has the number
/// (`acc_estimate`, `auroc_lower`, …) and documented here once: `docs/columns.md` and every summary.json
/// carry these texts.
public enum ResultColumn: String, CaseIterable, Sendable {
    case template, layer, method, supervised, seed
    case trainPairs = "train_pairs"
    case testPairs = "test_pairs"
    case accEstimate = "acc_estimate"
    case accLower = "acc_lower"
    case accUpper = "acc_upper"
    case aurocEstimate = "auroc_estimate"
    case aurocLower = "auroc_lower"
    case aurocUpper = "auroc_upper"
    case calAccEstimate = "cal_acc_estimate"
    case ece
    case reversed
    case rawAcc = "raw_acc"
    case rawAuroc = "raw_auroc"
    case rawCalAcc = "raw_cal_acc"
    case randomDirections = "random_directions"
    case accP95 = "acc_p95"
    case aurocP95 = "auroc_p95"
    case prefersPositive = "prefers_x_plus"
    case ccsLoss = "ccs_loss"
    case ccsPCACosine = "ccs_pca_cosine"
    case ccsPCAAgreement = "ccs_pca_agreement"
    case clusters
    case clusterNoiseShare = "cluster_noise_share"

    public var name: String { rawValue }

    /// What the column holds.
    public var meaning: String {
        switch self {
        case .template: "prompt template (or challenge condition); empty for imported activations"
        case .layer: "0 = embeddings, i = block i's output; empty for the layer-independent zero_shot row"
        case .method:
            "ccs, pca, kmeans, random (the mean over random directions), logistic (supervised), or zero_shot (the model's own answer)"
        case .supervised: "1 where fitting read the labels (logistic): a ceiling, not discovery"
        case .seed: "the seed of the train/test split and of the probe's initialisation"
        case .trainPairs, .testPairs: "contrast pairs the probe was fitted on / scored on"
        case .accEstimate:
            "accuracy of the oriented probe on the held-out pairs (sign decided on the training pairs: see reversed)"
        case .accLower, .accUpper: "95 % percentile bootstrap interval of acc_estimate (1,000 resamples of the test pairs, seeded)"
        case .aurocEstimate: "AUROC of the oriented probe's scores on the held-out pairs"
        case .aurocLower, .aurocUpper: "95 % bootstrap interval of auroc_estimate (the same resamples)"
        case .calAccEstimate:
            "calibrated accuracy (Burns et al.): the oriented scores thresholded at their median, half predicted each way"
        case .ece: "expected calibration error of the oriented probabilities (10 bins; probes whose scores are probabilities)"
        case .reversed:
            "1 where the probe was reversed: its raw scores ranked the training pairs' false above their true (training AUROC < 0.5)"
        case .rawAcc, .rawAuroc, .rawCalAcc: "the same statistic of the probe as fitted, unoriented"
        case .randomDirections: "random rows: how many random directions the row's means are over"
        case .accP95, .aurocP95: "random rows: the 95th percentile over the random directions (what a lucky draw reaches)"
        case .prefersPositive:
            "zero_shot rows: share of test pairs where the model finds x⁺ likelier (near 0 or 1: it almost always gives one answer)"
        case .ccsLoss: "CCS loss on the training pairs (ccs and random)"
        case .ccsPCACosine: "ccs rows: |cos| between the CCS direction and PCA's (Emmons 2023)"
        case .ccsPCAAgreement: "ccs rows: share of test pairs CCS and PCA predict alike, max(agree, 1 − agree)"
        case .clusters: "Cluster-Norm: HDBSCAN clusters of the pair means at this layer"
        case .clusterNoiseShare: "Cluster-Norm: share of pairs left as noise (normalised with all training pairs' statistics)"
        }
    }

    /// Per competing feature f (word, alice, …): `f_acc_estimate`, `f_acc_lower`, `f_acc_upper`,
    /// `f_auroc_estimate`, `f_reversed`, `f_raw_acc`, each as for the truth but against f, the sign decided on
    /// the training pairs against f.
    public static let featureColumns = ["acc_estimate", "acc_lower", "acc_upper", "auroc_estimate", "reversed", "raw_acc"]

    /// The statistics of one score as named columns; `prefix` names a feature ("word_").
    static func values(_ s: ProbeScore, prefix: String = "") -> [String: String] {
        var v: [String: String] = [
            prefix + "acc_estimate": formatNumber(s.accuracy), prefix + "auroc_estimate": formatNumber(s.auroc),
            prefix + "reversed": s.reversed ? "1" : "0", prefix + "raw_acc": formatNumber(s.raw.accuracy),
        ]
        if let i = s.accuracyInterval {
            v[prefix + "acc_lower"] = formatNumber(i.lowerBound)
            v[prefix + "acc_upper"] = formatNumber(i.upperBound)
        }
        guard prefix.isEmpty else { return v }
        if let i = s.aurocInterval {
            v["auroc_lower"] = formatNumber(i.lowerBound)
            v["auroc_upper"] = formatNumber(i.upperBound)
        }
        v["cal_acc_estimate"] = formatNumber(s.calibratedAccuracy)
        v["raw_auroc"] = formatNumber(s.raw.auroc)
        v["raw_cal_acc"] = formatNumber(s.raw.calibratedAccuracy)
        if let e = s.calibrationError { v["ece"] = formatNumber(e) }
        if let c = s.chance {
            v["random_directions"] = "\(c.directions)"
            v["acc_p95"] = formatNumber(c.accuracyP95)
            v["auroc_p95"] = formatNumber(c.aurocP95)
        }
        return v
    }

    /// A CSV of `rows` (column name → value; missing values empty) under `header`.
    static func csv(header: [String], rows: [[String: String]]) -> String {
        ([header.joined(separator: ",")] + rows.map { row in header.map { row[$0] ?? "" }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }
}
