import Foundation
import SciDLTensor
import XCTest

/// Locates `../shared` beside the project's root (tests may read it; the project itself never does).
public enum SharedFolder {
    public static var url: URL {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }  // Tests/X/File.swift → project root
        return dir.deletingLastPathComponent().appendingPathComponent("shared")
    }

    public static func file(_ path: String) throws -> URL {
        let url = Self.url.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("reference file \(url.path) is not present")
        }
        return url
    }

    /// A JSON fixture under `../shared`, decoded.
    public static func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: file(path)))
    }
}

/// Largest |a − b| relative to the largest |b| of the reference.
public func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
    let scale = b.scalars.map { abs(Double($0)) }.max() ?? 0
    let diff = zip(a.scalars, b.scalars).map { abs(Double($0) - Double($1)) }.max() ?? 0
    return diff / max(scale, 1e-12)
}
