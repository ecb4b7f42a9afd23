import Foundation

/// A benchmark's outcome, printed as one JSON line with sorted snake-case keys (`msPerStep` → `ms_per_step`).
public protocol BenchmarkResult: Codable, Sendable {}

extension BenchmarkResult {
    public var jsonLine: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }
}
