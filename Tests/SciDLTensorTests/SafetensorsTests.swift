import Foundation
import SciDLSupport
import SciDLTensor
import XCTest

final class SafetensorsTests: XCTestCase {
    func testRoundTripKeepsTensorsAndMetadata() throws {
        var rng = SeededGenerator(seed: 2)
        let file = SafetensorsFile(
            tensors: ["a.weight": .randomNormal([3, 4], using: &rng), "b": Tensor(scalar: 2)],
            metadata: ["step": "12", "note": "quote \" and\nnewline"])
        let back = try SafetensorsFile(data: file.serialized())
        XCTAssertEqual(back.tensors, file.tensors)
        XCTAssertEqual(back.metadata, file.metadata)
    }

    func testReadsOtherDtypes() throws {
        // A hand-built file with F64, F16 and I64 tensors, laid out as the format specifies.
        let header =
            #"{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"#
            + #""h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},"#
            + #""i":{"dtype":"I64","shape":[1],"data_offsets":[20,28]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        for v in [1.5, -2.25] { withUnsafeBytes(of: v) { data.append(contentsOf: $0) } }
        for bits: UInt16 in [0x3C00, 0xC000] { withUnsafeBytes(of: bits) { data.append(contentsOf: $0) } }  // 1, −2
        withUnsafeBytes(of: Int64(-7)) { data.append(contentsOf: $0) }
        let f = try SafetensorsFile(data: data)
        XCTAssertEqual(f.tensors["d"]?.scalars, [1.5, -2.25])
        XCTAssertEqual(f.tensors["h"]?.scalars, [1, -2])
        XCTAssertEqual(f.tensors["i"]?.scalars, [-7])
    }

    func testDamagedFilesGiveClearErrors() throws {
        let good = SafetensorsFile(tensors: ["w": Tensor(zeros: [4, 4])]).serialized()
        func message(_ data: Data) -> String {
            do {
                _ = try SafetensorsFile(data: data, source: "x.safetensors")
                return "no error"
            } catch {
                return (error as? SciDLError)?.message ?? "not a SciDLError: \(error)"
            }
        }
        XCTAssertTrue(
            message(good.prefix(good.count - 10)).contains("truncated"), message(good.prefix(good.count - 10)))
        XCTAssertTrue(message(Data([1, 2, 3])).contains("fewer than the 8-byte"))
        var badHeader = good
        badHeader[8] = UInt8(ascii: "[")
        XCTAssertTrue(message(badHeader).contains("not a JSON object"))
        var hugeLength = good
        hugeLength[7] = 0x7F
        XCTAssertTrue(message(hugeLength).contains("exceeds the file size"))
        XCTAssertTrue(message(good).contains("no error"))
        // Every file SciDL writes carries a checksum of its data: one flipped bit is noticed.
        var flipped = good
        flipped[flipped.count - 3] ^= 0x10
        XCTAssertTrue(message(flipped).contains("do not match the checksum"), message(flipped))
    }

    func testAtomicWriteReplacesWholeFilesAndLeavesNoTemporaryFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-atomic-\(UUID())")
        let url = dir.appendingPathComponent("f.txt")
        try AtomicFile.write("one", to: url)
        try AtomicFile.write("two", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "two")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["f.txt"])
        XCTAssertThrowsError(try AtomicFile.write("x", to: URL(fileURLWithPath: "/proc/scidl/f.txt")))
        try FileManager.default.removeItem(at: dir)
    }

    /// A write that fails part-way (here its temporary file cannot be created: a folder stands in its
    /// place) throws and leaves the old file as it was.
    func testFailedAtomicWriteLeavesTheOldFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-atomic-\(UUID())")
        let url = dir.appendingPathComponent("f.txt")
        try AtomicFile.write("old contents", to: url)
        let blocker = dir.appendingPathComponent(".f.txt.tmp-\(getpid())")
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write("new contents", to: url)) { error in
            XCTAssertTrue((error as? SciDLError)?.message.contains("nothing was overwritten") ?? false, "\(error)")
        }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "old contents")
        try FileManager.default.removeItem(at: dir)
    }
}
