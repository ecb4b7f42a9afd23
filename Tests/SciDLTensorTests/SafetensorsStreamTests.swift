import Foundation
import SciDLTensor
import SciDLSupport
import XCTest

/// A safetensors file written a range at a time, in any order, is the file `SafetensorsFile` writes of the
/// same tensors; read back a range at a time; damage noticed; nothing left behind by an unfinished writer.
final class SafetensorsStreamTests: XCTestCase {
    private func XCTAssertThrowsMessage<T>(
        _ expression: @autoclosure () throws -> T, containing text: String, line: UInt = #line
    ) {
        do {
            _ = try expression()
            XCTFail("no error thrown", line: line)
        } catch {
            let message = (error as? SciDLError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains(text), message, line: line)
        }
    }

    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scidl-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testRangesWrittenInAnyOrderGiveTheWholeFilesBytes() throws {
        let a = Tensor(shape: [3, 5, 7], scalars: (0..<105).map { Float($0) * 0.25 - 3 })
        let b = Tensor(shape: [11], scalars: (0..<11).map { Float($0 * $0) })
        let metadata = ["key": "k", "model": "m"]
        let dir = try folder()
        let url = dir.appendingPathComponent("streamed.safetensors")
        let writer = try SafetensorsStreamWriter(
            url: url, tensors: [("b", [11]), ("a", [3, 5, 7])], metadata: metadata)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path), "nothing under the name before finish()")
        for start in [70, 0, 35, 100] {
            let end = min(105, start + 35)
            try a.scalars[start..<end].withUnsafeBufferPointer { try writer.write("a", at: start, $0) }
        }
        try b.scalars.withUnsafeBufferPointer { try writer.write("b", at: 0, $0) }
        try writer.finish()
        let whole = SafetensorsFile(tensors: ["a": a, "b": b], metadata: metadata).serialized()
        XCTAssertEqual(try Data(contentsOf: url), whole)
        XCTAssertEqual(writer.byteCount, whole.count)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["streamed.safetensors"])

        let reader = try SafetensorsStreamReader(url: url)
        try reader.verifyChecksum()
        XCTAssertEqual(reader.shape(of: "a"), [3, 5, 7])
        XCTAssertEqual(try reader.read("a", elements: 40..<47), Array(a.scalars[40..<47]))
        XCTAssertEqual(try reader.read("b", elements: 0..<11), b.scalars)

        var damaged = whole
        damaged[damaged.count - 30] ^= 0x04
        try damaged.write(to: url)
        XCTAssertThrowsMessage(try SafetensorsStreamReader(url: url).verifyChecksum(), containing: "is damaged")
        try Data(whole.prefix(20)).write(to: url)
        XCTAssertThrowsMessage(try SafetensorsStreamReader(url: url), containing: "not a valid safetensors file")
    }

    func testAnUnfinishedWriterLeavesNoFile() throws {
        let dir = try folder()
        do {
            let writer = try SafetensorsStreamWriter(
                url: dir.appendingPathComponent("x.safetensors"), tensors: [("a", [4])], metadata: [:])
            try [Float](repeating: 1, count: 4).withUnsafeBufferPointer { try writer.write("a", at: 0, $0) }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }
}
