extension TransformerStep {
    /// Which rows a batch reads, computed once per step object: the distinct (position, token) rows of the
    /// residual stream, the queries (rows at the last position), the distinct (query, key row) pairs at the
    /// positions before the last, and for each example the table rows it mixes.
    struct BatchIndex {
        /// [B·T]: the row at each (example, position); [R]: each row's token and position.
        var rowOf, tokenOfRow, positionOfRow: [Int]
        /// [Rq]: the row of each query; [B]: each example's query, 0..<Rq.
        var queryRow, queryOf: [Int]
        /// [P]: each pair's key row and query (0..<Rq).
        var pairRow, pairQuery: [Int]
        /// [B·(1 + H·(T − 1))]: the table rows each example mixes, its query row, then h-major, key-minor.
        var mix: [Int]

        /// The index of `tokens` (B examples of `length`), for `heads` heads.
        init(tokens: [Int], length t: Int, vocabulary v: Int, heads h: Int) {
            let examples = tokens.count / t
            (rowOf, tokenOfRow, positionOfRow) = ResidualRows.distinctRows(tokens: tokens, length: t, vocabulary: v)
            var queryNumber = [Int](repeating: -1, count: tokenOfRow.count)
            var queryRow: [Int] = []
            let rowOf = rowOf
            let queryOf = (0..<examples).map { b in
                let r = rowOf[b * t + t - 1]
                if queryNumber[r] < 0 {
                    queryNumber[r] = queryRow.count
                    queryRow.append(r)
                }
                return queryNumber[r]
            }
            (self.queryRow, self.queryOf) = (queryRow, queryOf)
            // Pairs numbered as first met: in the grokking tasks (one query) the key rows in order.
            var pairNumber: [Int: Int] = [:]
            var (pairRow, pairQuery) = ([Int](), [Int]())
            let pairOf = (0..<examples).flatMap { b in
                (0..<(t - 1)).map { j in
                    let key = rowOf[b * t + j] * queryRow.count + queryOf[b]
                    if let p = pairNumber[key] { return p }
                    pairNumber[key] = pairRow.count
                    pairRow.append(rowOf[b * t + j])
                    pairQuery.append(queryOf[b])
                    return pairRow.count - 1
                }
            }
            (self.pairRow, self.pairQuery) = (pairRow, pairQuery)
            mix = []
            mix.reserveCapacity(examples * (1 + h * (t - 1)))
            for b in 0..<examples {
                mix.append(queryOf[b])
                for head in 0..<h {
                    for j in 0..<(t - 1) { mix.append(queryRow.count + pairOf[b * (t - 1) + j] * h + head) }
                }
            }
        }
    }
}
