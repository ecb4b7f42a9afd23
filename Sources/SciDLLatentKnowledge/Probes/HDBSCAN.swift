/// HDBSCAN (Campello, Moulavi & Sander 2013) as scikit-learn 1.3+ runs it with Euclidean distances,
/// `min_samples` = `min_cluster_size`, excess-of-mass selection and no single-cluster result: the same
/// labels, numbered the same way (−1 for noise). Cluster-Norm clusters contrast pairs with it.
///
/// The steps: core distances (to the `minClusterSize`-th nearest point, the point itself included); a
/// minimum spanning tree of the mutual-reachability graph by Prim's algorithm from point 0; the single-
/// linkage dendrogram of its edges in order of weight; that tree condensed to clusters of at least
/// `minClusterSize` points; the clusters of greatest stability (excess of mass); each point labelled by its
/// nearest selected ancestor.
public struct HDBSCAN: Sendable {
    public var minClusterSize: Int

    public init(minClusterSize: Int = 5) { self.minClusterSize = minClusterSize }

    /// Cluster labels of the `count` rows of `points` (row-major, `width` columns): 0, 1, … or −1 (noise).
    public func labels(_ points: [Float], count n: Int, width d: Int) -> [Int] {
        guard n > minClusterSize else { return [Int](repeating: -1, count: n) }
        let distance = Self.distances(points, count: n, width: d)
        let core = (0..<n).map { i -> Double in
            var row = Array(distance[(i * n)..<((i + 1) * n)])
            row.sort()
            return row[minClusterSize - 1]
        }
        let tree = singleLinkage(minimumSpanningTree(distance, core: core, count: n), count: n)
        let condensed = condense(tree, count: n)
        return label(condensed, count: n)
    }

    /// Euclidean distances between all rows, in Double ([n, n]).
    static func distances(_ x: [Float], count n: Int, width d: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * n)
        x.withUnsafeBufferPointer { x in
            for i in 0..<n {
                for j in (i + 1)..<max(n, i + 1) {
                    var sum = 0.0
                    for k in 0..<d {
                        let delta = Double(x[i * d + k]) - Double(x[j * d + k])
                        sum += delta * delta
                    }
                    out[i * n + j] = sum.squareRoot()
                    out[j * n + i] = out[i * n + j]
                }
            }
        }
        return out
    }

    struct Edge {
        var from: Int, to: Int
        var weight: Double
    }

    /// Prim's algorithm over mutual reachability max(core(i), core(j), d(i, j)), with scikit-learn's order
    /// of visits and its tie-breaking (the first candidate of least weight wins).
    func minimumSpanningTree(_ distance: [Double], core: [Double], count n: Int) -> [Edge] {
        var inTree = [Bool](repeating: false, count: n)
        var reach = [Double](repeating: .infinity, count: n)
        var source = [Int](repeating: 1, count: n)
        var edges: [Edge] = []
        var current = 0
        for _ in 0..<(n - 1) {
            inTree[current] = true
            var best = Double.greatestFiniteMagnitude
            var (from, to) = (0, 0)
            for j in 0..<n where !inTree[j] {
                let mutual = max(core[current], core[j], distance[current * n + j])
                if mutual < reach[j] {
                    reach[j] = mutual
                    source[j] = current
                    if mutual < best { (best, from, to) = (mutual, current, j) }
                } else if reach[j] < best {
                    (best, from, to) = (reach[j], source[j], j)
                }
            }
            edges.append(Edge(from: from, to: to, weight: best))
            current = to
        }
        return edges
    }

    /// One merge of the dendrogram: two nodes (points 0..<n, merges n…) at a distance, and the merged size.
    struct Merge {
        var left: Int, right: Int
        var distance: Double
        var size: Int
    }

    /// The single-linkage dendrogram of the tree's edges, lightest first; merge i makes node n + i.
    func singleLinkage(_ edges: [Edge], count n: Int) -> [Merge] {
        let sorted = edges.enumerated().sorted { ($0.element.weight, $0.offset) < ($1.element.weight, $1.offset) }
            .map(\.element)
        var parent = [Int](repeating: -1, count: 2 * n - 1)
        var size = [Int](repeating: 1, count: n) + [Int](repeating: 0, count: n - 1)
        func find(_ node: Int) -> Int {
            var root = node
            while parent[root] != -1 { root = parent[root] }
            var p = node
            while p != root, parent[p] != root {
                let next = parent[p]
                parent[p] = root
                p = next
            }
            return root
        }
        var merges: [Merge] = []
        for (i, edge) in sorted.enumerated() {
            let (a, b) = (find(edge.from), find(edge.to))
            let label = n + i
            merges.append(Merge(left: a, right: b, distance: edge.weight, size: size[a] + size[b]))
            parent[a] = label
            parent[b] = label
            size[label] = size[a] + size[b]
        }
        return merges
    }

    /// One edge of the condensed tree: a cluster (n, n + 1, …) and a child cluster or point leaving it at
    /// λ = 1 / distance.
    struct CondensedEdge {
        var parent: Int, child: Int
        var lambda: Double
        var size: Int
    }

    /// Nodes of the dendrogram under `root`, breadth first.
    func breadthFirst(_ tree: [Merge], from root: Int, count n: Int) -> [Int] {
        var result: [Int] = []
        var queue = [root]
        while !queue.isEmpty {
            result += queue
            queue = queue.filter { $0 >= n }.flatMap { [tree[$0 - n].left, tree[$0 - n].right] }
        }
        return result
    }

    /// The dendrogram with clusters smaller than `minClusterSize` dissolved into points leaving their parent.
    func condense(_ tree: [Merge], count n: Int) -> [CondensedEdge] {
        let root = 2 * (n - 1)
        var relabel = [Int](repeating: 0, count: root + 1)
        relabel[root] = n
        var nextLabel = n + 1
        var ignore = [Bool](repeating: false, count: root + 1)
        var result: [CondensedEdge] = []
        func size(_ node: Int) -> Int { node >= n ? tree[node - n].size : 1 }
        for node in breadthFirst(tree, from: root, count: n) where !ignore[node] && node >= n {
            let merge = tree[node - n]
            let lambda = merge.distance > 0 ? 1 / merge.distance : .infinity
            let (left, right) = (merge.left, merge.right)
            let (leftSize, rightSize) = (size(left), size(right))
            func dissolve(_ child: Int) {
                for sub in breadthFirst(tree, from: child, count: n) {
                    if sub < n {
                        result.append(CondensedEdge(parent: relabel[node], child: sub, lambda: lambda, size: 1))
                    }
                    ignore[sub] = true
                }
            }
            if leftSize >= minClusterSize && rightSize >= minClusterSize {
                for (child, childSize) in [(left, leftSize), (right, rightSize)] {
                    relabel[child] = nextLabel
                    nextLabel += 1
                    result.append(
                        CondensedEdge(parent: relabel[node], child: relabel[child], lambda: lambda, size: childSize))
                }
            } else if leftSize < minClusterSize && rightSize < minClusterSize {
                dissolve(left)
                dissolve(right)
            } else if leftSize < minClusterSize {
                relabel[right] = relabel[node]
                dissolve(left)
            } else {
                relabel[left] = relabel[node]
                dissolve(right)
            }
        }
        return result
    }

    /// Excess-of-mass selection over the condensed tree's clusters (never the root), then each point's label:
    /// the selected cluster above it, numbered in order of cluster id, or −1.
    func label(_ condensed: [CondensedEdge], count n: Int) -> [Int] {
        guard let largestParent = condensed.map(\.parent).max() else { return [Int](repeating: -1, count: n) }
        let root = n
        // Stability: Σ (λ_leave − λ_birth) · size over what leaves each cluster.
        var birth = [Double](repeating: 0, count: max(largestParent, condensed.map(\.child).max()!) + 1)
        for e in condensed { birth[e.child] = e.lambda }
        birth[root] = 0
        var stability = [Double](repeating: 0, count: largestParent + 1)
        for e in condensed { stability[e.parent] += (e.lambda - birth[e.parent]) * Double(e.size) }
        let clusterEdges = condensed.filter { $0.size > 1 }
        var children: [Int: [Int]] = [:]
        var parentOf: [Int: Int] = [:]
        for e in clusterEdges {
            children[e.parent, default: []].append(e.child)
            parentOf[e.child] = e.parent
        }
        var selected = [Bool](repeating: false, count: largestParent + 1)
        let candidates = (root...largestParent).reversed().filter { $0 != root }
        for c in candidates { selected[c] = true }
        for c in candidates {
            let subtree = (children[c] ?? []).reduce(0.0) { $0 + stability[$1] }
            if subtree > stability[c] {
                selected[c] = false
                stability[c] = subtree
            } else {
                var queue = children[c] ?? []
                while let d = queue.popLast() {
                    selected[d] = false
                    queue += children[d] ?? []
                }
            }
        }
        let chosen = candidates.filter { selected[$0] }.sorted()
        let number = Dictionary(uniqueKeysWithValues: chosen.enumerated().map { ($1, $0) })
        var pointParent = [Int](repeating: root, count: n)
        for e in condensed where e.child < n { pointParent[e.child] = e.parent }
        return (0..<n).map { point in
            var cluster = pointParent[point]
            while cluster != root {
                if let label = number[cluster] { return label }
                cluster = parentOf[cluster] ?? root
            }
            return -1
        }
    }
}
