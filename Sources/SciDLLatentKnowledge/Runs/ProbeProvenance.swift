import Foundation
import SciDLLanguageModel

/// Where a run's activations came from, saved with its probes so that `scidl eval` can build the same pairs
/// again: the data, its columns, the model and position, the templates, or the imported files.
public struct ProbeProvenance: Codable, Sendable, Equatable {
    public var data: String?
    public var labelColumn: String?
    public var textColumn: String?
    public var model: String?
    public var position: TokenPosition?
    /// The templates, in order (nil: the data's default).
    public var templates: [String]?
    /// Imported activations and their labels, instead of data and a model.
    public var activations: String?
    public var labels: String?

    public init(source: ContrastSource? = nil, templates: [String]? = nil, imported: ActivationFiles? = nil) {
        if let source, imported?.isGiven != true {
            data = source.data
            labelColumn = source.columns.label
            textColumn = source.columns.text
            model = source.model
            position = source.position
        }
        self.templates = templates
        activations = imported?.file
        labels = imported?.labels
    }

    enum CodingKeys: String, CodingKey {
        case data, model, position, templates, activations, labels
        case labelColumn = "label_column"
        case textColumn = "text_column"
    }

    // Files saved before this type held every value as a string, "" for none and the templates comma-joined.
    public init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) -> String? {
            guard let value = try? c.decodeIfPresent(String.self, forKey: key), !value.isEmpty else { return nil }
            return value
        }
        data = text(.data)
        labelColumn = text(.labelColumn)
        textColumn = text(.textColumn)
        model = text(.model)
        position = text(.position).flatMap(TokenPosition.init(rawValue:))
        templates =
            (try? c.decodeIfPresent([String].self, forKey: .templates))
            ?? text(.templates).map { $0.split(separator: ",").map(String.init) }
        activations = text(.activations)
        labels = text(.labels)
    }

    /// The data set (or imported file) the probes were trained on, for the evaluation table.
    public var trainingData: String { data ?? activations ?? "" }
}
