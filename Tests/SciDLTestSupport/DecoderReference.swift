import SciDLLanguageModel
import XCTest

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

/// Asserts that the ten likeliest next tokens after each reference case are the reference's, in order, with
/// logits within `tolerance`; returns the worst differences for the test to print.
public func assertTopTenNextTokensMatch(
    _ model: DecoderModel, _ cases: [DecoderReference.Case], _ tolerance: Tolerance,
    file: StaticString = #filePath, line: UInt = #line
) -> Difference {
    let logits = model.decoder.lastTokenLogits(cases.map(\.ids))
    var worst = Difference()
    for (i, c) in cases.enumerated() {
        let row = logits.row(i)
        let top = row.indices.sorted { row[$0] > row[$1] }.prefix(10)
        XCTAssertEqual(
            Array(top), c.logits_top10.ids, "top-10 after \(c.text.prefix(40).debugDescription)", file: file, line: line
        )
        assertClose(
            c.logits_top10.ids.map { row[$0] }, c.logits_top10.values, tolerance, "top-10 logits", worst: &worst,
            file: file, line: line)
    }
    return worst
}

/// Asserts that a model's hidden states of the reference cases, at every site they list, last token and mean,
/// are within `tolerance` of the reference's (batches of 60 tokens, so cases share batches); returns the worst
/// differences.
public func assertHiddenStatesMatch(
    _ model: any LanguageModel, _ cases: [DecoderReference.Case], _ tolerance: Tolerance,
    file: StaticString = #filePath, line: UInt = #line
) throws -> Difference {
    var worst = Difference()
    try assertHiddenStatesMatch(
        model, texts: cases.map(\.text), siteNames: cases[0].last.keys.sorted(), tokensPerBatch: 60,
        expected: { position, i, site in try XCTUnwrap((position == .last ? cases[i].last : cases[i].mean)[site]) },
        tolerance, worst: &worst, file: file, line: line)
    return worst
}
