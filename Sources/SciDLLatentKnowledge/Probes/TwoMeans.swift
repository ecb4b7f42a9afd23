import Foundation
import SciDLSupport
import SciDLTensor

extension ProbeMethod {
    /// k-means with k = 2 on the differences (k-means++ starts, the best of 10 by inertia); the probe
    /// scores a pair by which centre it is nearer: w = c₁ − c₀, b = (|c₀|² − |c₁|²)/2.
    func twoMeans(_ data: ProbeData, seed: UInt64) -> FittedProbe {
        let (n, d) = (data.count, data.width)
        // x⁺ − x⁻ computed where it is read (the same floats as a matrix of differences, without its copy).
        let (positive, negative) = (data.positive, data.negative)
        func x(_ e: Int) -> Float { positive[e] - negative[e] }
        func row(_ i: Int) -> [Float] { ((i * d)..<((i + 1) * d)).map(x) }
        func distance(_ i: Int, _ c: [Float]) -> Float {
            var s: Float = 0
            for k in 0..<d {
                let t = x(i * d + k) - c[k]
                s += t * t
            }
            return s
        }
        var random = SeededGenerator(seed: seed, stream: .kMeansStarts)
        var best: (centres: [[Float]], inertia: Float)? = nil
        for _ in 0..<10 {
            let first = random.nextInt(below: n)
            var centres = [row(first)]
            let weights = (0..<n).map { Double(distance($0, centres[0])) }
            let total = weights.reduce(0, +)
            var pick = random.nextUniform() * total
            var second = n - 1
            for i in 0..<n {
                pick -= weights[i]
                if pick <= 0 {
                    second = i
                    break
                }
            }
            centres.append(row(second))
            var assignment = [Int](repeating: -1, count: n)
            for _ in 0..<300 {
                let next = (0..<n).map { distance($0, centres[1]) < distance($0, centres[0]) ? 1 : 0 }
                if next == assignment { break }
                assignment = next
                for c in 0..<2 {
                    let members = (0..<n).filter { assignment[$0] == c }
                    guard !members.isEmpty else { continue }
                    var centre = [Float](repeating: 0, count: d)
                    for i in members { for k in 0..<d { centre[k] += x(i * d + k) } }
                    centres[c] = centre.map { $0 / Float(members.count) }
                }
            }
            let inertia = (0..<n).reduce(Float(0)) { $0 + distance($1, centres[assignment[$1]]) }
            if best == nil || inertia < best!.inertia { best = (centres, inertia) }
        }
        let (c0, c1) = (best!.centres[0], best!.centres[1])
        let w = zip(c1, c0).map { $0 - $1 }
        let b = (c0.reduce(0) { $0 + $1 * $1 } - c1.reduce(0) { $0 + $1 * $1 }) / 2
        return FittedProbe(method: .kmeans, direction: w, bias: b)
    }
}
