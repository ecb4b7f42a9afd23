import Foundation
import SciDLLanguageModel
import SciDLTensor

/// Sentences per second for hidden states of every layer, on the texts
/// `../shared/peers/torch_minilm_throughput.py` uses, for `scidl bench minilm`.
public struct ThroughputBenchmark: BenchmarkResult {
    public var benchmark = "minilm_hidden_states"
    public var model: String
    public var data: String
    public var texts: Int
    /// Real tokens (special tokens included), the only ones SciDL computes.
    public var tokens: Int
    public var seconds: Double
    public var sentencesPerSecond: Double
    public var tokensPerSecond: Double
    public var threads: Int

    /// The peer script's texts: synthetic reviews of ~31 tokens, or prompts built from a CSV's
    /// `statement` column or a BoolQ JSONL file, the first `count`.
    public static func texts(data: URL?, count: Int) throws -> [String] {
        guard let data else {
            return (0..<count).map { i in
                "Review \(i): this movie was \(i % 2 == 1 ? "great" : "terrible") and the acting was \(i % 3 != 0 ? "superb" : "wooden"), I would \(i % 2 == 1 ? "" : "not ")recommend it to my friends. Is the sentiment positive? Yes"
            }
        }
        let examples = try LabelledDataset(contentsOf: data).examples.prefix(count)
        if data.pathExtension == "jsonl" {
            return examples.map { "\($0.fields["passage"] ?? "")\nQuestion: \($0.fields["question"] ?? "")? Answer: Yes" }
        }
        return examples.map { "\($0.fields["statement"] ?? "") Is this statement true or false? True" }
    }

    /// Encodes `texts` once untimed (warm-up on the first 32), then timed, all layers at every token.
    public static func run(model: LanguageModel, texts: [String], dataName: String) -> ThroughputBenchmark {
        let layers = Array(0...model.encoder.configuration.layerCount)
        _ = try? model.hiddenStates(of: Array(texts.prefix(32)), layers: layers, position: .mean)
        let tokens = texts.reduce(0) { $0 + model.tokenizer.encode($1).count }
        let start = Date()
        _ = try? model.hiddenStates(of: texts, layers: layers, position: .mean)
        let seconds = Date().timeIntervalSince(start)
        return ThroughputBenchmark(model: model.name, data: dataName, texts: texts.count, tokens: tokens, seconds: seconds,
                                   sentencesPerSecond: Double(texts.count) / seconds, tokensPerSecond: Double(tokens) / seconds,
                                   threads: Parallelism.threadCount)
    }
}
