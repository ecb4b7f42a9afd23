import Foundation
import SciDLLanguageModel
import SciDLSupport
import SciDLTensor

/// Sentences per second for hidden states of every layer, on the texts the peer scripts
/// `../shared/peers/torch_minilm_throughput.py` and `torch_smollm2_throughput.py` use, for `scidl bench lm`.
public struct ThroughputBenchmark: BenchmarkResult {
    public var benchmark = "lm_hidden_states"
    public var model: String
    public var data: String
    public var texts: Int
    /// Real tokens (special tokens included), the only ones SciDL computes.
    public var tokens: Int
    public var seconds: Double
    public var sentencesPerSecond: Double
    public var tokensPerSecond: Double
    public var threads: Int
    /// The arithmetic of the products (`DecoderModel.computeDescription`; "exact" for an encoder).
    public var compute = "exact"
    /// The process's peak resident memory, in MiB (the model's mapped pages that were touched included).
    public var peakResidentMiB: Double

    /// The peer script's texts: synthetic reviews of ~31 tokens, or prompts built from a CSV's
    /// `statement` column or a BoolQ JSONL file, the first `count`.
    public static func texts(data: URL?, count: Int) throws -> [String] {
        guard let data else {
            return (0..<count).map { i in
                """
                    Review \(i): this movie was \(i % 2 == 1 ? "great" : "terrible") and the acting was \
                    \(i % 3 != 0 ? "superb" : "wooden"), I would \(i % 2 == 1 ? "" : "not ")recommend it to my \
                    friends. Is the sentiment positive? Yes
                    """
            }
        }
        let examples = try LabelledDataset(contentsOf: data).examples.prefix(count)
        if data.pathExtension == "jsonl" {
            return examples.map {
                "\($0.fields["passage"] ?? "")\nQuestion: \($0.fields["question"] ?? "")? Answer: Yes"
            }
        }
        return examples.map { "\($0.fields["statement"] ?? "") Is this statement true or false? True" }
    }

    /// Encodes `texts` once untimed (warm-up on the first 32), then timed, all layers,
    /// at the model's default position (tokenisation included in the time).
    /// `tokensPerBatch` real tokens are packed into each forward pass.
    /// `bench lm`: the model named `model` (`ModelCatalog`) on `count` texts of `data` (nil: synthetic
    /// sentences); `sharingPrefixes` false makes a decoder compute every prompt's tokens.
    public static func run(
        model: String, data: URL?, count: Int, sharingPrefixes: Bool = true, tokensPerBatch: Int = 4096,
        compute: ComputeMode = .exact
    ) throws -> ThroughputBenchmark {
        guard tokensPerBatch > 0 else { throw SciDLError("--tokens-per-batch must be positive") }
        var loaded = try ModelCatalog.load(model, compute: compute)
        if !sharingPrefixes, var decoder = loaded as? DecoderModel {
            decoder.sharesPrefixes = false
            loaded = decoder
        }
        let texts = try texts(data: data, count: count)
        return run(model: loaded, texts: texts, dataName: data?.relativePath ?? "synthetic", tokensPerBatch: tokensPerBatch)
    }

    public static func run(
        model: any LanguageModel, texts: [String], dataName: String,
        tokensPerBatch: Int = 4096
    ) -> ThroughputBenchmark {
        let layers = Array(0...model.blockCount)
        _ = try? model.hiddenStates(of: Array(texts.prefix(32)), layers: layers, position: model.defaultPosition)
        let tokens = texts.reduce(0) { $0 + model.tokenize($1).count }
        let start = Date()
        _ = try? model.hiddenStates(
            of: texts, layers: layers, position: model.defaultPosition,
            tokensPerBatch: tokensPerBatch)
        let seconds = Date().timeIntervalSince(start)
        return ThroughputBenchmark(
            model: model.name, data: dataName, texts: texts.count, tokens: tokens, seconds: seconds,
            sentencesPerSecond: Double(texts.count) / seconds, tokensPerSecond: Double(tokens) / seconds,
            threads: Parallelism.threadCount, compute: (model as? DecoderModel)?.computeDescription ?? "exact",
            peakResidentMiB: peakResidentMiB())
    }

    /// getrusage's maximum resident set size (kilobytes on Linux, bytes on macOS).
    static func peakResidentMiB() -> Double {
        var usage = rusage()
        #if os(macOS)
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #endif
    }
}
