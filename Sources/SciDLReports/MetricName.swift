/// The name of a logged quantity: a column of `metrics.csv` and `results.csv`, a key of `metrics.jsonl`.
/// Each module declares its own (`MetricName.testAccuracy` in the grokking lab); files read back keep
/// whatever names they hold.
public struct MetricName: Hashable, Sendable, CustomStringConvertible {
    /// The name as written in the files.
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// The training step: the x axis of every series.
    public static let step = MetricName("step")
}
