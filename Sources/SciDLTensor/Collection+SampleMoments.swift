/// The mean and spread of a handful of values, as reported over seeds.
extension Collection where Element == Double {
    /// The arithmetic mean (NaN when empty).
    public var mean: Double { isEmpty ? .nan : reduce(0, +) / Double(count) }

    /// The sample standard deviation (n − 1), 0 for fewer than two values.
    public var sampleStandardDeviation: Double {
        guard count > 1 else { return 0 }
        let m = mean
        return (reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(count - 1)).squareRoot()
    }
}
