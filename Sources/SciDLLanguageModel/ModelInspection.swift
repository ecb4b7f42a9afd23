import Foundation
import SciDLSupport

extension LanguageModel {
    /// What `scidl model` prints: the architecture read from the file, the storage of its matrices and its
    /// tokenizer; the tensors a decoder's file has but it does not use; with `text`, its token ids and pieces
    /// and, for a decoder, the `next` likeliest next tokens — a quick check that a file reads as intended.
    public func inspection(text: String? = nil, next: Int = 5) throws -> String {
        let width = summary.map(\.0.count).max() ?? 0
        var lines = summary.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
        if let decoder = self as? DecoderModel, !decoder.unusedTensors.isEmpty {
            let unused = decoder.unusedTensors
            lines.append(
                "note: \(unused.count) tensors of the file are not used: "
                    + unused.prefix(5).map { printable($0) }.joined(separator: ", ") + (unused.count > 5 ? ", …" : ""))
        }
        guard let text else { return lines.joined(separator: "\n") }
        let ids = tokenize(text)
        lines.append("\ntokens (\(ids.count)): " + ids.map { "\($0) \(piece($0).debugDescription)" }.joined(separator: ", "))
        if let decoder = self as? DecoderModel {
            let likeliest = try decoder.nextTokens(after: text, count: next)
            lines.append(
                "next: "
                    + likeliest.map { "\(piece($0.id).debugDescription) \(String(format: "%.3f", $0.probability))" }
                    .joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
