/// A decoder's reference values from Hugging Face transformers (`../shared/fixtures/*_reference.json`, made by
/// the fixtures' scripts): per prompt its token ids and pieces, hidden states at the last token and averaged
/// over tokens at named sites, and the ten largest next-token logits; plus tokenizer stress strings.
public struct DecoderReference: Decodable, Sendable {
    public struct Case: Decodable, Sendable {
        public struct Top: Decodable, Sendable {
            public var ids: [Int]
            public var values: [Float]
        }
        public var text: String
        public var ids: [Int]
        public var tokens: [String]
        public var last: [String: [Float]]
        public var mean: [String: [Float]]
        public var logits_top10: Top
    }
    public struct Stress: Decodable, Sendable {
        public var text: String
        public var ids: [Int]
    }
    public var cases: [Case]
    public var tokenizer_stress: [Stress]
}
