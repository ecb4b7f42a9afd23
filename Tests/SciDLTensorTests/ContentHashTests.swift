import SciDLTensor
import XCTest

/// XXH64 against python-xxhash 3 (`xxhash.xxh64(data, seed).hexdigest()`), across the short-input paths
/// (0, 1, 3 bytes), the 8-byte lanes and the 32-byte stripes.
final class ContentHashTests: XCTestCase {
    func testMatchesTheReferenceImplementation() {
        let long = [UInt8]((0..<768).map { UInt8($0 % 256) }) + Array("xyz".utf8)
        let cases: [([UInt8], String, String)] = [
            ([], "ef46db3751d8e999", "95f0626f6f0a4409"),
            (Array("a".utf8), "d24ec4f1a98c6e5b", "dc6349d489e0f965"),
            (Array("abc".utf8), "44bc2cf5ad770999", "9e755206156676d7"),
            (Array("Nobody inspects the spammish repetition".utf8), "fbcea83c8a378bf1", "26f1aeb39b9b1f5f"),
            (long, "e921a1b45bd779f8", "b63555d1bf05377f"),
        ]
        for (bytes, unseeded, seeded) in cases {
            bytes.withUnsafeBytes { raw in
                XCTAssertEqual(ContentHash.hex(raw), unseeded, "\(bytes.count) bytes")
                let hash = String(ContentHash.xxh64(raw, seed: 7), radix: 16)
                XCTAssertEqual(hash, seeded, "\(bytes.count) bytes, seed 7")
            }
        }
    }

    /// The same hash whatever the cut into pieces (a file hashed chunk by chunk as it is read back).
    func testPiecewiseHashingMatchesTheReferenceWhateverTheCut() {
        let long = [UInt8]((0..<768).map { UInt8($0 % 256) }) + Array("xyz".utf8)
        for cuts in [[1], [5, 31], [32, 64], [33, 100, 101, 400], [770]] {
            var hasher = ContentHash.Hasher()
            var start = 0
            for end in cuts + [long.count] {
                long[start..<end].withUnsafeBytes { hasher.update($0) }
                start = end
            }
            XCTAssertEqual(hasher.hex, "e921a1b45bd779f8", "cut at \(cuts)")
        }
        var short = ContentHash.Hasher(seed: 7)
        short.update("ab")
        short.update("c")
        XCTAssertEqual(String(short.value, radix: 16), "9e755206156676d7")
    }
}
