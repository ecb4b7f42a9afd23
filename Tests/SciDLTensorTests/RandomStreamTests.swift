import SciDLTensor
import XCTest

final class RandomStreamTests: XCTestCase {
    /// Every purpose draws its own numbers: for each of many seeds, no two streams start from the same
    /// generator seed or give the same first draws.
    func testNoTwoStreamsOfOneSeedCoincide() {
        for seed in UInt64(0)..<2048 {
            let seeds = RandomStream.allCases.map { $0.seed(from: seed) }
            XCTAssertEqual(Set(seeds).count, seeds.count, "two streams share a seed for user seed \(seed)")
            let firstDraws = RandomStream.allCases.map { stream -> [UInt64] in
                var g = SeededGenerator(seed: seed, stream: stream)
                return [g.next(), g.next()]
            }
            XCTAssertEqual(Set(firstDraws).count, firstDraws.count, "two streams draw alike for user seed \(seed)")
        }
    }

    /// The streams are fixed: a seed keeps meaning the same numbers (values from the derivations as first
    /// published, before the streams were gathered here).
    func testStreamSeedsKeepTheirPublishedDerivations() {
        let seed: UInt64 = 12345
        XCTAssertEqual(RandomStream.split.seed(from: seed), seed &* 0x9E37_79B9_7F4A_7C15 ^ 1 &* 0xD1B5_4A32_D192_ED03)
        XCTAssertEqual(RandomStream.subset.seed(from: seed), seed &* 0x9E37_79B9_7F4A_7C15 ^ 5 &* 0xD1B5_4A32_D192_ED03)
        XCTAssertEqual(RandomStream.ccsStarts.seed(from: seed), seed ^ 0xCC5)
        XCTAssertEqual(RandomStream.opinionHolders.seed(from: seed), seed ^ 0xA11CE ^ 0xBA7A7A)
    }
}
