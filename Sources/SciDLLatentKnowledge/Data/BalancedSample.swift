import SciDLSupport
import SciDLTensor

extension LabelledDataset {
    /// `count` examples drawn at random, half of each class (the odd one out true), kept in file order:
    /// unlike the first `count` rows, a sample of a sorted file still holds both classes.
    public func balancedSample(_ count: Int, seed: UInt64 = 0) throws -> LabelledDataset {
        guard count >= 2 else {
            throw SciDLError("--sample must be at least 2, one example of each class (got \(count))")
        }
        let byClass = [0, 1].map { c in examples.indices.filter { examples[$0].label == c } }
        let wanted = [count / 2, count - count / 2]
        for c in [0, 1] where byClass[c].count < wanted[c] {
            throw SciDLError(
                """
                --sample \(count) needs \(wanted[c]) \(c == 1 ? "true" : "false") examples but \(name) has \
                \(byClass[c].count) (of \(examples.count)); give a smaller --sample
                """
            )
        }
        var random = SeededGenerator(seed: seed, stream: .sample)
        let chosen = [0, 1].flatMap { c in
            random.permutation(byClass[c].count).prefix(wanted[c]).map { byClass[c][$0] }
        }
        var sample = self
        sample.examples = chosen.sorted().map { examples[$0] }
        return sample
    }

    /// Group numbers for the examples (equal values of `column` share one, numbered in order of first
    /// appearance), so that a split can keep every group on one side.
    public func groups(by column: String) throws -> [Int] {
        guard columns.contains(column) else {
            throw SciDLError(
                """
                --group-column names column '\(printable(column))', which \(name) does not have (columns: \
                \(printable(columns.joined(separator: ", "), limit: 200)))
                """
            )
        }
        var numbers: [String: Int] = [:]
        return examples.map { e in
            let value = e.fields[column] ?? ""
            if let n = numbers[value] { return n }
            numbers[value] = numbers.count
            return numbers.count - 1
        }
    }
}
