/// The BPE merge loop shared by every BPE tokenizer: start from single symbols, repeatedly merge the
/// adjacent pair that ranks best (leftmost first among equals), until no pair can merge.
///
/// A priority queue over the current pairs keeps this O(n log n), so a SentencePiece-style tokenizer,
/// which merges over a whole text rather than word by word, stays fast on long passages.
struct BytePairMerges {
    /// How good merging `left` and `right` is (lower merges first) and the token it makes, or nil.
    let rank: (_ left: Int, _ right: Int) -> (priority: Float, merged: Int)?

    func apply(to symbols: [Int]) -> [Int] {
        guard symbols.count > 1 else { return symbols }
        var ids = symbols
        var previous = Array(-1..<(symbols.count - 1))
        var next = Array(1...symbols.count)
        next[symbols.count - 1] = -1
        var alive = [Bool](repeating: true, count: symbols.count)
        var queue = PairQueue()
        func consider(_ left: Int) {
            let right = next[left]
            guard left >= 0, right >= 0, let r = rank(ids[left], ids[right]) else { return }
            queue.push(
                .init(priority: r.priority, left: left, leftID: ids[left], rightID: ids[right], merged: r.merged))
        }
        for i in 0..<(symbols.count - 1) { consider(i) }
        while let pair = queue.pop() {
            let left = pair.left
            let right = next[left]
            // Stale entries: a side has merged since this pair was queued.
            guard alive[left], right >= 0, ids[left] == pair.leftID, ids[right] == pair.rightID else { continue }
            ids[left] = pair.merged
            alive[right] = false
            next[left] = next[right]
            if next[right] >= 0 { previous[next[right]] = left }
            if previous[left] >= 0 { consider(previous[left]) }
            consider(left)
        }
        var out: [Int] = []
        var i = 0
        while i >= 0 {
            out.append(ids[i])
            i = next[i]
        }
        return out
    }
}

/// A binary min-heap of candidate merges ordered by (priority, left position).
struct PairQueue {
    struct Entry {
        var priority: Float, left: Int, leftID: Int, rightID: Int, merged: Int
        func precedes(_ o: Entry) -> Bool { priority < o.priority || (priority == o.priority && left < o.left) }
    }
    private var heap: [Entry] = []

    mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var best = i
                if l < heap.count, heap[l].precedes(heap[best]) { best = l }
                if r < heap.count, heap[r].precedes(heap[best]) { best = r }
                if best == i { break }
                heap.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}
