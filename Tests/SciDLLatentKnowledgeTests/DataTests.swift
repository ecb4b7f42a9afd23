import Foundation
import SciDLTensor
import SciDLTestSupport
import XCTest

@testable import SciDLLatentKnowledge

func temporaryFile(_ name: String, _ contents: String) throws -> URL {
    let dir = ScratchFolder.url("scidl-tests", create: false)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url
}

func XCTAssertThrowsMessage(
    _ expression: @autoclosure () throws -> some Any, containing text: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        XCTAssertTrue("\(error)".contains(text), "'\(error)' should mention '\(text)'", file: file, line: line)
        XCTAssertFalse("\(error)".contains("\n"), "errors are one line", file: file, line: line)
    }
}

final class DataTests: XCTestCase {
    func testCSVWithQuotesCommasAndBooleanLabels() throws {
        let url = try temporaryFile(
            "d.csv", "statement,label\n\"Paris, France is \"\"nice\"\".\",TRUE\r\nOslo is in Peru.,0\n")
        let d = try LabelledDataset(contentsOf: url)
        XCTAssertEqual(d.examples.map(\.label), [1, 0])
        XCTAssertEqual(d.examples[0].fields["statement"], "Paris, France is \"nice\".")
        XCTAssertEqual(d.columns, ["statement", "label"])
    }

    func testSharedTruthFilesAndBoolQLoad() throws {
        let cities = try LabelledDataset(contentsOf: SharedFolder.file("data/truth/cities.csv"))
        XCTAssertEqual(cities.examples.count, 1496)
        XCTAssertEqual(cities.examples.filter { $0.label == 1 }.count, 748)
        XCTAssertEqual(cities.examples[0].fields["statement"], "The city of Krasnodar is in Russia.")
        let boolq = try LabelledDataset(contentsOf: SharedFolder.file("data/truth/boolq_dev.jsonl"))
        XCTAssertEqual(boolq.examples.count, 3270)
        XCTAssertEqual(boolq.defaultTemplate, .question)
        XCTAssertEqual(boolq.examples[0].label, 0)  // "does ethanol take more energy make that produces": false
    }

    func testBadDataIsOneClearLine() throws {
        XCTAssertThrowsMessage(try LabelledDataset(contentsOf: temporaryFile("e.csv", "")), containing: "empty")
        XCTAssertThrowsMessage(
            try LabelledDataset(contentsOf: temporaryFile("h.csv", "statement,label\n")), containing: "no examples")
        XCTAssertThrowsMessage(
            try LabelledDataset(contentsOf: temporaryFile("m.csv", "text,truth\na,1\n")),
            containing: "no column 'label'")
        XCTAssertThrowsMessage(
            try LabelledDataset(contentsOf: temporaryFile("l.csv", "statement,label\na,1\nb,maybe\n")),
            containing: "example 2: label 'maybe'")
        XCTAssertThrowsMessage(
            try LabelledDataset(contentsOf: temporaryFile("f.csv", "statement,label\na,1,3\n")), containing: "line 2")
        XCTAssertThrowsMessage(
            try LabelledDataset(contentsOf: temporaryFile("j.jsonl", "{\"answer\": true}\nnot json\n")),
            containing: "line 2 is not a JSON object")
        XCTAssertThrowsMessage(try LabelledDataset.named("no-such-file.csv"), containing: "built-in data set")
    }

    func testColumnMappingAliasesStatement() throws {
        let url = try temporaryFile("c.csv", "sentence,truth\nWater is wet.,1\n")
        let d = try LabelledDataset(contentsOf: url, columns: ColumnMapping(label: "truth", text: "sentence"))
        let pairs = try PromptTemplate.BuiltIn.truth.template.contrastPairs(for: d)
        XCTAssertEqual(
            pairs,
            [
                ContrastPair(
                    positive: "Water is wet. Is this statement true or false? True",
                    negative: "Water is wet. Is this statement true or false? False", label: 1)
            ])
    }

    func testBuiltInDataIsBalancedCorrectAndSeeded() {
        let comparisons = BuiltInData.comparisons.dataset(count: 200, seed: 3)
        XCTAssertEqual(comparisons.examples.filter { $0.label == 1 }.count, 100)
        for e in comparisons.examples {
            let a = Int(e.fields["a"]!)!
            let b = Int(e.fields["b"]!)!
            let claimsLarger = e.fields["statement"]!.contains("larger")
            XCTAssertEqual(claimsLarger == (a > b), e.label == 1, e.fields["statement"]!)
        }
        for e in BuiltInData.arithmetic.dataset(count: 100).examples {
            let parts = e.fields["statement"]!.dropLast().split(separator: " ")  // "a + b = c"
            XCTAssertEqual(Int(parts[0])! + Int(parts[2])! == Int(parts[4])!, e.label == 1)
        }
        XCTAssertEqual(
            BuiltInData.arithmetic.dataset(count: 50, seed: 1).examples,
            BuiltInData.arithmetic.dataset(count: 50, seed: 1).examples)
    }

    func testTemplateFilesAndTheirErrors() throws {
        let url = try temporaryFile("t.txt", "answers: wrong | right\nQ: {statement}\nA: {answer}\n\n")
        let t = try PromptTemplate(contentsOf: url)
        XCTAssertEqual(t.answers, ["wrong", "right"])
        XCTAssertEqual(t.render(["statement": "1 < 2"], answer: "right"), "Q: 1 < 2\nA: right")
        XCTAssertThrowsMessage(
            try PromptTemplate(contentsOf: temporaryFile("n.txt", "{statement} is true")), containing: "no {answer}")
        XCTAssertThrowsMessage(
            try PromptTemplate(contentsOf: temporaryFile("o.txt", "Answer: {answer}")), containing: "only {answer}")
        XCTAssertThrowsMessage(
            try PromptTemplate(contentsOf: temporaryFile("s.txt", "answers: yes\n{statement} {answer}")),
            containing: "two different answers")
        let d = LabelledDataset(
            name: "d", examples: [LabelledExample(fields: ["statement": "x"], label: 1)],
            columns: ["statement", "label"])
        XCTAssertThrowsMessage(
            try PromptTemplate.BuiltIn.question.template.contrastPairs(for: d), containing: "needs {passage}")
        XCTAssertThrowsMessage(try PromptTemplate.named("nope"), containing: "no template 'nope'")
    }
}

final class ActivationImportTests: XCTestCase {
    func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    }

    func testNumPyArchiveWithLayersAndLabels() throws {
        let a = try ActivationImport.load(fixture("layers.npz"))
        XCTAssertEqual(a.layers, [0, 1])
        XCTAssertEqual(a.labels, [1, 0, 1, 1])
        XCTAssertEqual(a.positive.shape, [4, 2, 3])
        // activations[layer, i, side, k] = ((layer·4 + i)·2 + side)·3 + k; side 1 is x⁺.
        for layer in 0..<2 {
            for i in 0..<4 {
                for k in 0..<3 {
                    XCTAssertEqual(a.positive[i, layer, k], Float(((layer * 4 + i) * 2 + 1) * 3 + k))
                    XCTAssertEqual(a.negative[i, layer, k], Float(((layer * 4 + i) * 2) * 3 + k))
                }
            }
        }
    }

    func testNpyFilesSeparateSidesAndLabelFiles() throws {
        let single = try ActivationImport.load(fixture("single.npy"), labels: fixture("labels.npy"))
        XCTAssertEqual(single.layers, [0])
        XCTAssertEqual(single.labels, [1, 0, 0, 1])
        XCTAssertEqual(single.positive[3, 0, 2], 23)
        let sides = try ActivationImport.load(positive: fixture("positive.npy"), negative: fixture("negative.npy"))
        XCTAssertEqual(sides.positive[2, 0, 1], 7)
        XCTAssertEqual(sides.negative[2, 0, 1], -7)
        XCTAssertEqual(sides.labels, [])
    }

    /// Issue 12: `np.savez_compressed` archives (deflated members) read like stored ones; a damaged member
    /// fails its CRC, and a member claiming more than deflate can produce is refused before any allocation.
    func testCompressedArchivesReadAndDamageIsCaught() throws {
        let stored = try NumPyFile.arrays(fromArchive: Data(contentsOf: fixture("layers.npz")), source: "layers.npz")
        let compressedData = try Data(contentsOf: fixture("compressed.npz"))
        let compressed = try NumPyFile.arrays(fromArchive: compressedData, source: "compressed.npz")
        XCTAssertEqual(compressed["activations"]?.scalars, (0..<48).map(Float.init))
        XCTAssertEqual(compressed["activations"]?.scalars, stored["activations"]?.scalars)
        XCTAssertEqual(compressed["activations"]?.shape, [2, 4, 2, 3])

        // The stored archive's member data: flip a byte of the array (past the .npy header).
        var damaged = try Data(contentsOf: fixture("layers.npz"))
        damaged[200] ^= 0x40
        XCTAssertThrowsMessage(
            try NumPyFile.arrays(fromArchive: damaged, source: "d.npz"), containing: "fails its CRC-32 check")
        // The deflated member's uncompressed size, in the central directory, claimed as 4 GiB - 2.
        var bomb = compressedData
        let directory = try XCTUnwrap(
            bomb.indices.first { i in
                i + 4 <= bomb.count && bomb[i] == 0x50 && bomb[i + 1] == 0x4b && bomb[i + 2] == 1 && bomb[i + 3] == 2
            })
        for k in 0..<4 { bomb[directory + 24 + k] = k == 0 ? 0xFE : 0xFF }
        XCTAssertThrowsMessage(
            try NumPyFile.arrays(fromArchive: bomb, source: "b.npz"), containing: "more than deflate can produce")
        // Its compressed bytes cut short.
        var cut = compressedData
        let local = 30 + Int(cut[26]) + Int(cut[28])
        cut[local + 5] ^= 0xFF
        XCTAssertThrowsError(try NumPyFile.arrays(fromArchive: cut, source: "c.npz"))
    }

    func testBadActivationFilesAreOneClearLine() throws {
        XCTAssertThrowsMessage(try ActivationImport.load(fixture("fortran.npy")), containing: "Fortran order")
        XCTAssertThrowsMessage(try ActivationImport.load(fixture("positive.npy")), containing: "expected [n, 2, d]")
        XCTAssertThrowsMessage(
            try ActivationImport.load(fixture("single.npy"), labels: fixture("positive.npy")),
            containing: "labels have shape [4, 3]")
        XCTAssertThrowsMessage(
            try ActivationImport.load(positive: fixture("positive.npy"), negative: fixture("single.npy")),
            containing: "alike")
        let truncated = try Data(contentsOf: fixture("single.npy")).prefix(200)
        let url = ScratchFolder.url("truncated", suffix: ".npy", create: false)
        try truncated.write(to: url)
        XCTAssertThrowsMessage(try ActivationImport.load(url), containing: "truncated")
        let header = try temporaryFile("bad.safetensors", "\u{8}\0\0\0\0\0\0\0{not json")
        XCTAssertThrowsMessage(try ActivationImport.load(header), containing: "not a valid safetensors file")
        let threeLabels = try temporaryFile("labels.txt", "1\n0\n1\n")
        XCTAssertThrowsMessage(
            try ActivationImport.load(fixture("single.npy"), labels: threeLabels), containing: "3 labels for 4")
    }

    func testTheCacheFormatReadsBackAsAnImport() throws {
        let (a, _) = plantedPairs(count: 6, width: 4)
        let url = ScratchFolder.url("acts", suffix: ".safetensors", create: false)
        try a.file(metadata: ["model": "test"]).write(to: url)
        let b = try ActivationImport.load(url)
        XCTAssertEqual(b.positive, a.positive)
        XCTAssertEqual(b.negative, a.negative)
        XCTAssertEqual(b.labels, a.labels)
        XCTAssertEqual(b.layers, a.layers)
        // The layer-major layout stays in the file, read as needed; separate labels replace the file's.
        guard case .file = b.storage else { return XCTFail("a layer-major safetensors file is read whole") }
        let flipped = try temporaryFile("flipped.txt", a.labels.map { "\(1 - $0)" }.joined(separator: "\n"))
        XCTAssertEqual(try ActivationImport.load(url, labels: flipped).labels, a.labels.map { 1 - $0 })
        // A NaN anywhere in the file is found before any probe reads it.
        var positive = a.positive.scalars
        positive[positive.count - 1] = .nan
        var tensors = a.file(metadata: [:]).tensors
        tensors["positive"] = Tensor(shape: a.positive.shape, scalars: positive).swappingFirstTwoAxes()
        let nanURL = url.deletingLastPathComponent().appendingPathComponent("nan-\(UUID().uuidString).safetensors")
        try SafetensorsFile(tensors: tensors, metadata: [:]).write(to: nanURL)
        XCTAssertThrowsMessage(try ActivationImport.load(nanURL), containing: "NaN or infinite values (layer slot 0")
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.removeItem(at: nanURL)
    }
}

/// Issue 27: a pass's states go to the activation file batch by batch (nothing of earlier batches kept), and
/// the activations read from the file a layer at a time equal those kept in memory, wherever a batch boundary
/// falls (between a pair's members or not); probes fitted on either are the same.
final class ActivationRecorderTests: XCTestCase {
    func testBatchesStreamedToTheFileEqualTheActivationsInMemory() throws {
        let (a, _) = plantedPairs(count: 23, width: 5)
        let l = 3
        // Distinct values that say where they belong: prompt, layer slot and dimension.
        func value(_ prompt: Int, _ j: Int, _ k: Int) -> Float {
            Float((prompt * 7919 + j * 313 + k * 17) % 1013) / 100
        }
        let states = (0..<46).map { prompt in (0..<l).flatMap { j in (0..<5).map { k in value(prompt, j, k) } } }
        let folder = ScratchFolder.url("scidl-rec", create: false)
        let url = folder.appendingPathComponent("acts.safetensors")
        var notes: [String] = []
        let toFile = try ActivationRecorder(
            pairs: 23, labels: a.labels, layers: [4, 0, 2], width: 5, file: (url, ["key": "k"]), modelName: "m",
            note: { notes.append($0) })
        let toMemory = try ActivationRecorder(
            pairs: 23, labels: a.labels, layers: [4, 0, 2], width: 5, file: nil, modelName: "m", note: { _ in })
        // No cache and more than memory should hold (here: anything): a temporary file.
        let toTemporary = try ActivationRecorder(
            pairs: 23, labels: a.labels, layers: [4, 0, 2], width: 5, file: nil, modelName: "m", memoryLimit: 0,
            note: { _ in })
        for range in [0..<3, 3..<4, 4..<20, 20..<45, 45..<46] {
            let batch = Tensor(shape: [range.count, l, 5], scalars: range.flatMap { states[$0] })
            for recorder in [toFile, toMemory, toTemporary] { try recorder.record(prompts: range, states: batch) }
        }
        let file = try toFile.finish()
        let memory = try toMemory.finish()
        let temporary = try toTemporary.finish()
        XCTAssertEqual(temporary.negative, memory.negative)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
        XCTAssertFalse(
            leftovers.contains { $0.hasPrefix("scidl-activations-\(getpid())-") }, "the temporary file's name is gone")
        XCTAssertTrue(notes.isEmpty, "a small file is not announced")
        XCTAssertEqual(file.positive, memory.positive)
        XCTAssertEqual(file.negative, memory.negative)
        XCTAssertEqual(memory.positive.scalars[(7 * l + 2) * 5], value(14, 2, 0), "pair 7's x⁺, slot 2")
        XCTAssertEqual(memory.negative.scalars[(7 * l + 1) * 5 + 3], value(15, 1, 3))
        XCTAssertEqual(
            file.rows(.negative, slot: 1, pairs: [22, 0, 7]), memory.rows(.negative, slot: 1, pairs: [22, 0, 7]))
        XCTAssertEqual(SavedProbes.activationsHash(file), SavedProbes.activationsHash(memory))
        let cached = try XCTUnwrap(ActivationCache.entry(url, key: "k", pairs: 23, layers: [4, 0, 2]))
        XCTAssertEqual(cached.activations.negative, memory.negative)
        XCTAssertEqual(cached.activations.labels, a.labels)
        XCTAssertNil(ActivationCache.entry(url, key: "other", pairs: 23, layers: [4, 0, 2]))

        var settings = ElicitSettings()
        settings.methods = [.ccs, .pca, .logistic]
        settings.seeds = [0, 1]
        let fromFile = try Elicitation.run(file, settings: settings)
        let fromMemory = try Elicitation.run(memory, settings: settings)
        XCTAssertEqual(fromFile.map(\.testScores), fromMemory.map(\.testScores))
        XCTAssertEqual(fromFile.map(\.probe.direction), fromMemory.map(\.probe.direction))
    }

    func testAFileTheDiskCannotHoldIsRefusedBeforeAnyWork() throws {
        let folder = ScratchFolder.url("scidl-rec", create: false)
        XCTAssertThrowsMessage(
            try ActivationRecorder(
                pairs: 1 << 20, labels: [], layers: Array(0..<1024), width: 1 << 20,
                file: (folder.appendingPathComponent("huge.safetensors"), [:]), modelName: "m", note: { _ in }),
            containing: "free: free space")
    }
}
