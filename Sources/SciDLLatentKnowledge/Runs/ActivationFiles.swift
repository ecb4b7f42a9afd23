import Foundation
import SciDLSupport

/// Activations made elsewhere, named by their files: one file holding both sides, or an x⁺ and an x⁻ file;
/// labels in the file or beside it.
public struct ActivationFiles: Sendable, Equatable {
    /// .npy [n,2,d] or [layers,n,2,d], or .npz/.safetensors with `activations` or `positive`/`negative`.
    public var file: String?
    public var positive: String?
    public var negative: String?
    /// .npy, .csv/.jsonl (label column) or one 0/1 per line.
    public var labels: String?

    public init(file: String? = nil, positive: String? = nil, negative: String? = nil, labels: String? = nil) {
        (self.file, self.positive, self.negative, self.labels) = (file, positive, negative, labels)
    }

    /// Whether any file is named.
    public var isGiven: Bool { file != nil || positive != nil || negative != nil }

    /// The activations with a description of where they came from, or nil when no file is named.
    public func load() throws -> (activations: ContrastActivations, description: [(String, String)])? {
        let labelsURL = labels.map { URL(fileURLWithPath: $0) }
        if let file {
            let a = try ActivationImport.load(URL(fileURLWithPath: file), labels: labelsURL)
            return (a, [("activations", file), ("pairs", "\(a.count)"), ("width", "\(a.width)")])
        }
        guard positive != nil || negative != nil else { return nil }
        guard let p = positive, let n = negative else {
            throw SciDLError("--positive and --negative go together: give both files")
        }
        let a = try ActivationImport.load(
            positive: URL(fileURLWithPath: p), negative: URL(fileURLWithPath: n), labels: labelsURL)
        return (a, [("activations", "\(p) / \(n)"), ("pairs", "\(a.count)"), ("width", "\(a.width)")])
    }
}
