import SciDLSupport
import SciDLTensor

/// A binary operation whose full table the models learn: inputs `[a, b, =]`, target `a ∘ b`.
public enum BinaryOperation: String, CaseIterable, Codable, Sendable {
    /// a + b mod p
    case add
    /// a − b mod p
    case subtract
    /// a · b mod p
    case multiply
    /// a / b mod p for b ≠ 0 (needs p prime, so every b ≠ 0 has an inverse)
    case divide
    /// a² + ab + b² mod p
    case quadratic
    /// composition of permutations of five elements, (a ∘ b)(i) = a(b(i)); ignores p
    case s5

    /// What the command line accepts, e.g. `a+b`.
    public var symbol: String {
        switch self {
        case .add: "a+b"
        case .subtract: "a-b"
        case .multiply: "a*b"
        case .divide: "a/b"
        case .quadratic: "a^2+ab+b^2"
        case .s5: "s5"
        }
    }

    /// Parses a name (`add`) or a symbol (`a+b`).
    public init?(name: String) {
        if let op = BinaryOperation(rawValue: name) {
            self = op
            return
        }
        guard let op = BinaryOperation.allCases.first(where: { $0.symbol == name }) else { return nil }
        self = op
    }
}

/// The full table of a binary operation as a classification data set.
public struct AlgorithmicTask: Sendable {
    public let operation: BinaryOperation
    /// The modulus p (for `s5`, 120: the number of group elements).
    public let modulus: Int
    /// Input token ids per example: `[a, b, =]` where `=` is token `modulus`.
    public let inputs: [[Int]]
    /// The answer per example, in `0..<modulus`.
    public let targets: [Int]

    /// Input vocabulary: the elements plus `=`.
    public var vocabularySize: Int { modulus + 1 }
    /// The token for `=`.
    public var equalsToken: Int { modulus }
    /// Tokens per example.
    public let sequenceLength = 3
    /// Number of examples (pairs).
    public var count: Int { targets.count }

    /// Builds the table. Pairs are in row-major order, a major.
    /// - Throws: `SciDLError` if p is too small or `a/b` is asked for with p not prime.
    public init(operation: BinaryOperation, modulus p: Int) throws {
        self.operation = operation
        if operation == .s5 {
            let perms = Permutations.ofFive
            var index: [[Int]: Int] = [:]
            for (i, perm) in perms.enumerated() { index[perm] = i }
            var inputs: [[Int]] = []
            var targets: [Int] = []
            for (i, a) in perms.enumerated() {
                for (j, b) in perms.enumerated() {
                    inputs.append([i, j, perms.count])
                    targets.append(index[(0..<5).map { a[b[$0]] }]!)
                }
            }
            self.modulus = perms.count
            self.inputs = inputs
            self.targets = targets
            return
        }
        guard p >= 2 else { throw SciDLError("modulus p = \(p) is too small: use p ≥ 2 (e.g. --p 113)") }
        guard p <= 4096 else { throw SciDLError("modulus p = \(p) is too large (the table has p² rows): use p ≤ 4096") }
        if operation == .divide && !isPrime(p) {
            throw SciDLError("a/b mod p needs p prime so every b ≠ 0 has an inverse, but \(p) is not: use e.g. --p 113")
        }
        var inputs: [[Int]] = []
        var targets: [Int] = []
        for a in 0..<p {
            for b in 0..<p {
                let answer: Int
                switch operation {
                case .add: answer = (a + b) % p
                case .subtract: answer = ((a - b) % p + p) % p
                case .multiply: answer = (a * b) % p
                case .divide:
                    if b == 0 { continue }
                    answer = (a * modularInverse(b, p)) % p
                case .quadratic: answer = (a * a + a * b + b * b) % p
                case .s5: fatalError("handled above")
                }
                inputs.append([a, b, p])
                targets.append(answer)
            }
        }
        self.modulus = p
        self.inputs = inputs
        self.targets = targets
    }
}

/// Whether n is prime (trial division; n is small).
public func isPrime(_ n: Int) -> Bool {
    if n < 2 { return false }
    var d = 2
    while d * d <= n {
        if n % d == 0 { return false }
        d += 1
    }
    return true
}

/// b⁻¹ mod p by Fermat's little theorem (p prime).
func modularInverse(_ b: Int, _ p: Int) -> Int {
    var result = 1
    var base = b % p
    var e = p - 2
    while e > 0 {
        if e & 1 == 1 { result = result * base % p }
        base = base * base % p
        e >>= 1
    }
    return result
}

enum Permutations {
    /// The 120 permutations of 0..<5 in lexicographic order.
    static let ofFive: [[Int]] = {
        var out: [[Int]] = []
        func build(_ prefix: [Int], _ rest: [Int]) {
            if rest.isEmpty {
                out.append(prefix)
                return
            }
            for (i, x) in rest.enumerated() {
                var r = rest
                r.remove(at: i)
                build(prefix + [x], r)
            }
        }
        build([], Array(0..<5))
        return out
    }()
}
