import SciDLReports
import SciDLSupport

/// `scidl eval`'s outputs: a row per saved probe and evaluation set in eval.csv (the columns of results.csv
/// plus which data and template the probe was trained and tested on), and per method a matrix of mean accuracy
/// (rows: the training template and layer; columns: the evaluation sets).
public struct EvalTable: Sendable {
    public struct Row: Sendable {
        public var testData: String
        /// Empty for imported activations.
        public var testTemplate: String
        public var result: ProbeTransfer.Result

        public init(testData: String, testTemplate: String, result: ProbeTransfer.Result) {
            self.testData = testData
            self.testTemplate = testTemplate
            self.result = result
        }

        var testSet: String { testTemplate.isEmpty ? testData : "\(testData) / \(testTemplate)" }
    }

    public var rows: [Row]
    /// What the probes were trained on (the run's data, or its activations file).
    public var trainData: String

    public init(rows: [Row], trainData: String) {
        self.rows = rows
        self.trainData = trainData
    }

    static let header =
        ["train_data", "train_template", "layer", "method", "supervised", "seed", "test_data", "test_template",
            "own_test_pairs", "test_pairs"]
        + ResultColumn.allCases.map(\.name).filter {
            !["template", "layer", "method", "supervised", "seed", "train_pairs", "test_pairs"].contains($0)
                && !$0.hasPrefix("ccs_") && !$0.hasPrefix("cluster") && $0 != "prefers_x_plus"
        }

    public func csv() -> String {
        ResultColumn.csv(
            header: Self.header,
            rows: rows.map { row in
                let p = row.result.probe
                var v = ResultColumn.values(row.result.score)
                v["train_data"] = csvField(trainData)
                v["train_template"] = csvField(p.template)
                v["layer"] = "\(p.layer)"
                v["method"] = p.probe.method.rawValue
                v["supervised"] = p.probe.method.isSupervised ? "1" : "0"
                v["seed"] = "\(p.seed)"
                v["test_data"] = csvField(row.testData)
                v["test_template"] = csvField(row.testTemplate)
                v["own_test_pairs"] = row.result.sameActivations ? "1" : "0"
                v["test_pairs"] = "\(row.result.score.count)"
                return v
            })
    }

    public func text() -> String {
        let sets = rows.map(\.testSet).uniqued()
        let methods = ProbeMethod.allCases.filter { m in rows.contains { $0.result.probe.probe.method == m } }
        func trainedOn(_ p: SavedProbes.Probe) -> String {
            "\(trainData)\(p.template.isEmpty ? "" : " / \(p.template)"), layer \(p.layer)"
        }
        let trained = rows.map { trainedOn($0.result.probe) }.uniqued()
        let column = max(24, (sets.map(\.count).max() ?? 0) + 2)
        let first = max(28, (trained.map(\.count).max() ?? 0) + 2)
        var out = """
            test accuracy (mean over seeds; each probe keeps the sign its run decided on its training pairs); \
            * = the run's own held-out pairs\n
            """
        for m in methods {
            out += "\(m.displayName)\n" + "trained on".padding(toLength: first, withPad: " ", startingAt: 0)
            out += sets.map { $0.padding(toLength: column, withPad: " ", startingAt: 0) }.joined() + "\n"
            for t in trained {
                out += t.padding(toLength: first, withPad: " ", startingAt: 0)
                for set in sets {
                    let cell = rows.filter {
                        $0.testSet == set && $0.result.probe.probe.method == m && trainedOn($0.result.probe) == t
                    }
                    let mean = cell.map(\.result.score.accuracy).reduce(0, +) / Double(max(cell.count, 1))
                    let mark = cell.contains { $0.result.sameActivations } ? "*" : ""
                    out += (cell.isEmpty ? "-" : String(format: "%.3f", mean) + mark)
                        .padding(toLength: column, withPad: " ", startingAt: 0)
                }
                out += "\n"
            }
        }
        return out
    }
}
