import SciDLTensor

/// The rows a packed batch is computed in when consecutive sequences that start with the same tokens
/// share them. In a causal decoder a token's states depend only on the tokens before it, so a common
/// prefix has the same states in every sequence that starts with it: it is computed once, and each
/// sequence's own tokens (its suffix) attend to the shared prefix rows and then to their own. The two
/// members of a contrast pair differ only in the answer, so they cost little more than one prompt.
struct SharedPrefixes {
    /// Rows computed together, with the shared prefix rows (if any) they attend to before themselves.
    struct Segment: Equatable {
        var rows: Range<Int>
        var context: Range<Int>
    }

    /// Fewer shared tokens than this are not worth an extra attention product.
    static let minimumShared = 2

    private(set) var segments: [Segment] = []
    /// Token id and position of every computed row.
    private(set) var tokens: [Int] = []
    private(set) var positions: [Int] = []
    /// Each sequence's rows, in order (its prefix's, then its own).
    private(set) var sequenceRows: [[Range<Int>]] = []
    var rowCount: Int { tokens.count }
    /// Whether any rows are shared (otherwise rows are the sequences' tokens one after another).
    var shares: Bool { rowCount < sequenceRows.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } }

    /// Groups consecutive sequences greedily: a sequence joins the current group while the tokens all
    /// members share (every member keeping at least one token of its own) save at least as many rows as
    /// before it joined. With `sharing` false every sequence is its own group.
    init(_ sequences: [[Int]], sharing: Bool = true) {
        var i = 0
        while i < sequences.count {
            var members = [i]
            var shared = 0
            var j = i + 1
            while sharing, j < sequences.count {
                let a = sequences[i]
                let b = sequences[j]
                var common = 0
                let limit = min(a.count - 1, b.count - 1, members.count > 1 ? shared : .max)
                while common < limit, a[common] == b[common] { common += 1 }
                let savedNow = members.count > 1 ? shared * (members.count - 1) : 0
                guard common >= Self.minimumShared, common * members.count >= savedNow else { break }
                members.append(j)
                shared = common
                j += 1
            }
            if members.count == 1 {
                sequenceRows.append([add(sequences[i][...], firstPosition: 0, context: 0..<0)])
            } else {
                let prefix = add(sequences[i][..<shared], firstPosition: 0, context: 0..<0)
                for m in members {
                    sequenceRows.append([prefix, add(sequences[m][shared...], firstPosition: shared, context: prefix)])
                }
            }
            i = j
        }
    }

    private mutating func add(_ ids: ArraySlice<Int>, firstPosition: Int, context: Range<Int>) -> Range<Int> {
        let rows = tokens.count..<(tokens.count + ids.count)
        tokens += ids
        positions += firstPosition..<(firstPosition + ids.count)
        segments.append(Segment(rows: rows, context: context))
        return rows
    }

    /// The computed row behind each row of the sequences-one-after-another layout ([Σ lengths]).
    var computedRows: [Int] { sequenceRows.flatMap { $0.flatMap { $0 } } }

    /// Computed rows [rowCount, d] laid out as the sequences' tokens one after another [Σ lengths, d].
    func expand(_ x: Tensor) -> Tensor {
        guard shares else { return x }
        let d = x.shape[1]
        var out: [Float] = []
        out.reserveCapacity(sequenceRows.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } * d)
        for ranges in sequenceRows {
            for r in ranges { out += x.scalars[(r.lowerBound * d)..<(r.upperBound * d)] }
        }
        return Tensor(shape: [out.count / d, d], scalars: out)
    }
}
