import SciDLReports

extension Sweep {
    /// A run's metrics log as a report draws it: the legend's name (empty for a group's further runs) and its
    /// group's colour.
    public struct LabelledLog {
        public var name: String
        public var colour: String
        public var log: MetricsLog
    }

    /// The finished runs' logs of each group (a size's or a variant's seeds), one palette colour per group and
    /// the group named once in the legend — "label (3 seeds)" — so that seeds read as one curve family.
    public func logs(grouped groups: [(label: String, runs: [String])]) -> [LabelledLog] {
        var out: [LabelledLog] = []
        for (i, group) in groups.enumerated() {
            let colour = LinePlot.palette[i % LinePlot.palette.count]
            let label = group.label + (group.runs.count > 1 ? " (\(group.runs.count) seeds)" : "")
            var named = false
            for run in group.runs {
                if let log = try? MetricsLog(readingFrom: runDirectory(run)), !log.rows.isEmpty {
                    out.append(LabelledLog(name: named ? "" : label, colour: colour, log: log))
                    named = true
                }
            }
        }
        return out
    }
}
