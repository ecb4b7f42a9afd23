import Foundation

/// A benchmark's outcome, printed as one JSON line with sorted keys.
public protocol BenchmarkResult: Codable, Sendable {}

extension BenchmarkResult {
    public var jsonLine: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }
}
