import Foundation
import SciDLLanguageModel
import XCTest

final class TokenizerTests: XCTestCase {
    let vocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "the", "cafe", ",", "!", "中", "国", "a", "##b",
    ]

    func tokens(_ text: String) throws -> [String] {
        let t = try WordPieceTokenizer(vocabulary: vocabulary)
        return t.encode(text).map { t.tokens[$0] }
    }

    func testWordPieceIsGreedyLongestMatchAndUnknownWordsBecomeUNK() throws {
        XCTAssertEqual(try tokens("unaffable"), ["[CLS]", "un", "##aff", "##able", "[SEP]"])
        XCTAssertEqual(try tokens("unaffablex the"), ["[CLS]", "[UNK]", "the", "[SEP]"])
        XCTAssertEqual(try tokens("abbb"), ["[CLS]", "a", "##b", "##b", "##b", "[SEP]"])
    }

    func testNormalisationLowercasesStripsAccentsAndSplitsPunctuationAndCJK() throws {
        XCTAssertEqual(
            try tokens("  THE\tCafé,un!\u{0007}中国 "), ["[CLS]", "the", "cafe", ",", "un", "!", "中", "国", "[SEP]"])
    }

    func testLongTextsKeepTheirEnd() throws {
        let t = try WordPieceTokenizer(vocabulary: vocabulary)
        let ids = t.encode("the the the cafe", maxLength: 4)
        XCTAssertEqual(ids.map { t.tokens[$0] }, ["[CLS]", "the", "cafe", "[SEP]"])
    }

    func testVocabularyWithoutSpecialTokensIsRejected() {
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: ["a", "b"])) { error in
            XCTAssertTrue("\(error)".contains("[UNK]"), "\(error)")
        }
    }
}
