import Foundation
import SciDLTestSupport
import XCTest

final class ElicitCommandTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SciDLLatentKnowledgeTests/Fixtures")

    func scratch() -> String { ScratchFolder.path("scidl-elicit") }

    func testModelRunWritesEveryOutputAndSecondRunReadsTheCache() throws {
        let out = scratch()
        let cache = scratch()
        let args = [
            "elicit", "--data", "arithmetic", "--limit", "60", "--layers", "3,6", "--ccs-epochs", "50",
            "--seeds", "0,1", "--cache", cache, "--out", out,
        ]
        let first = try scidl(args)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("LR (supervised)"), first.stdout)
        let csv = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 2 * 5 * 2 + 2, "header + layers × methods × seeds + zero-shot per seed")
        XCTAssertTrue(csv[0].hasPrefix("template,layer,method,supervised,seed"))
        XCTAssertTrue(csv[1].hasPrefix("truth,"), "the arithmetic data's default template")
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
            as! [String: Any]
        let templates = try XCTUnwrap(summary["templates"] as? [String: Any])
        XCTAssertEqual(
            Set(try XCTUnwrap(templates["truth"] as? [String: Any]).keys),
            ["ccs", "pca", "kmeans", "random", "logistic"])
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("Accuracy by layer"))
        let cached = try FileManager.default.contentsOfDirectory(atPath: cache).filter { $0.hasSuffix(".safetensors") }
        XCTAssertEqual(cached.filter { !$0.hasSuffix("-zero-shot.safetensors") }.count, 1, "\(cached)")
        XCTAssertEqual(cached.filter { $0.hasSuffix("-zero-shot.safetensors") }.count, 1, "\(cached)")
        XCTAssertTrue(first.stdout.contains("zero-shot (the model's own answer)"), first.stdout)
        let zero = try XCTUnwrap((summary["zero_shot"] as? [String: Any])?["truth"] as? [String: Any])
        XCTAssertEqual((zero["acc_estimate_per_seed"] as? [Double])?.count, 2)

        let second = try scidl(args.dropLast(2) + ["--out", scratch()])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("read from the cache"), second.stderr)
        XCTAssertEqual(
            second.stdout.split(separator: "\n").dropLast(), first.stdout.split(separator: "\n").dropLast(),
            "same table from cached activations")
    }

    func testSeveralTemplatesInOneRun() throws {
        let out = scratch()
        let r = try scidl([
            "elicit", "--no-zero-shot", "--data", "comparisons", "--limit", "20", "--layers", "6", "--template",
            "truth,yes-no",
            "--methods", "pca,logistic", "--no-cache", "--out", out,
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("template truth") && r.stdout.contains("template yes-no"), r.stdout)
        let rows = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.map { $0.split(separator: ",")[0] }, ["truth", "truth", "yes-no", "yes-no"])

        let pooled = scratch()
        let e = try scidl([
            "elicit", "--no-zero-shot", "--data", "comparisons", "--limit", "20", "--layers", "6", "--template",
            "truth,yes-no",
            "--methods", "pca,logistic", "--no-cache", "--ensemble", "--out", pooled,
        ])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("template ensemble"), e.stdout)
        let pooledRows = try String(contentsOfFile: pooled + "/results.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(pooledRows.filter { $0.hasPrefix("ensemble,") }.count, 2)
        try assertOneLineError(["elicit", "--ensemble", "--limit", "10"], mentions: "--ensemble pools several")
    }

    func testImportedActivations() throws {
        let out = scratch()
        let r = try scidl([
            "elicit", "--activations", fixtures.appendingPathComponent("pairs.npz").path,
            "--test-fraction", "0.5", "--ccs-epochs", "10", "--out", out,
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = try String(contentsOfFile: out + "/results.csv", encoding: .utf8)
        XCTAssertEqual(results.split(separator: "\n").count, 1 + 2 * 5)
        // The same arrays written by np.savez_compressed give the same results.
        let compressed = scratch()
        let c = try scidl([
            "elicit", "--activations", fixtures.appendingPathComponent("pairs-compressed.npz").path,
            "--test-fraction", "0.5", "--ccs-epochs", "10", "--out", compressed,
        ])
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertEqual(try String(contentsOfFile: compressed + "/results.csv", encoding: .utf8), results)
    }

    /// One finite activation of 3.4e38 (issue 11, crash D: the report's histogram trapped on it).
    func testAHugeActivationIsProbedOrRefusedNotCrashed() throws {
        let corpus = fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzCorpus")
        let labels = ScratchFolder.url("labels", suffix: ".txt", create: false)
        try "0\n1\n1\n0\n1\n0\n0\n1\n".write(to: labels, atomically: true, encoding: .utf8)
        let r = try scidl([
            "elicit", "--activations", corpus.appendingPathComponent("npy/crash-D-huge-activation.npy").path,
            "--labels", labels.path, "--test-fraction", "0.5", "--ccs-epochs", "10", "--out", scratch(),
        ])
        XCTAssertTrue(r.status == 0 || r.status == 2, "status \(r.status): \(r.stderr)")
        XCTAssertLessThanOrEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count, 1)
    }

    func testBadInputGivesOneClearLineAndStatus2() throws {
        let csv = ScratchFolder.url("bad", suffix: ".csv", create: false)
        try "statement,label\nx,2\n".write(to: csv, atomically: true, encoding: .utf8)
        let template = ScratchFolder.url("t", suffix: ".txt", create: false)
        try "{statement} is what it is.".write(to: template, atomically: true, encoding: .utf8)
        try assertOneLineError(["elicit", "--methods", "ccs,magic"], mentions: "'magic'")
        try assertOneLineError(["elicit", "--data", "/no/such.csv"], mentions: "no data file")
        try assertOneLineError(["elicit", "--data", csv.path], mentions: "label '2'")
        try assertOneLineError(["elicit", "--template", template.path], mentions: "{answer}")
        let bad = scratch() + ".gguf"
        try Data("GGUF\u{3}".utf8).write(to: URL(fileURLWithPath: bad))
        try assertOneLineError(["elicit", "--model", bad, "--limit", "10"], mentions: "truncated or corrupt")
        try assertOneLineError(
            ["elicit", "--model", "/no/such/model", "--limit", "10"], mentions: "no such file or folder")
        try assertOneLineError(["elicit", "--layers", "31", "--limit", "10"], mentions: "layer 31 does not exist")
        try assertOneLineError(["elicit", "--layers", "2-x"], mentions: "--layers")
        try assertOneLineError(["elicit", "--test-fraction", "1.2"], mentions: "--test-fraction")
        try assertOneLineError(["elicit", "--model", fixtures.path], mentions: "has no config.json")
        try assertOneLineError(
            ["elicit", "--positive", fixtures.appendingPathComponent("positive.npy").path], mentions: "--negative")
        try assertOneLineError(
            ["elicit", "--activations", fixtures.appendingPathComponent("single.npy").path], mentions: "no labels")
    }

    /// Issue 12: the first rows of a sorted file hold one class; `--limit` stops with one line, `--sample`
    /// draws both classes, `--group-column` splits by fact and the summary says so.
    func testOneClassIsRefusedAndSampleAndGroupsRun() throws {
        let csv = ScratchFolder.url("sorted", suffix: ".csv", create: false)
        let cities = ["Paris", "Rome", "Oslo", "Lima", "Cairo", "Tokyo", "Delhi", "Quito", "Accra", "Hanoi"]
        let countries = ["France", "Italy", "Norway", "Peru", "Egypt", "Japan", "India", "Ecuador", "Ghana", "Vietnam"]
        var rows = ["statement,label,city"]
        for (i, city) in cities.enumerated() { rows.append("The city of \(city) is in \(countries[i]).,1,\(city)") }
        for (i, city) in cities.enumerated() {
            rows.append("The city of \(city) is in \(countries[(i + 3) % 10]).,0,\(city)")
        }
        try (rows.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let common = [
            "elicit", "--no-zero-shot", "--data", csv.path, "--layers", "6", "--methods", "pca,logistic", "--no-cache",
        ]
        try assertOneLineError(common + ["--limit", "10"], mentions: "all 10 are true (label 1)")
        try assertOneLineError(common + ["--limit", "10", "--sample", "10"], mentions: "not both")

        let out = scratch()
        let r = try scidl(common + ["--sample", "16", "--group-column", "city", "--seeds", "0,1,2", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
            as! [String: Any]
        let experiment = try XCTUnwrap(summary["experiment"] as? [String: String])
        XCTAssertEqual(experiment["labels"], "8 true / 8 false")
        XCTAssertEqual(experiment["pairs"], "16")
        XCTAssertTrue(experiment["split"]?.hasPrefix("grouped by city") == true, "\(experiment)")
        try assertOneLineError(common + ["--group-column", "country"], mentions: "column 'country', which")
    }

    /// Issue 12: a run saves its probes; `scidl eval RUN` applies them again and gives the run's numbers.
    func testEvalAppliesSavedProbesAndReproducesTheRun() throws {
        let out = scratch()
        let fit = try scidl([
            "elicit", "--activations", fixtures.appendingPathComponent("pairs.npz").path, "--seeds", "0,1",
            "--ccs-epochs", "20", "--out", out,
        ])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/probes.safetensors"))
        let evalOut = scratch()
        let eval = try scidl(["eval", out, "--out", evalOut])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.contains("* = the run's own held-out pairs"), eval.stdout)
        func table(_ path: String) throws -> [[String: String]] {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        }
        let results = try table(out + "/results.csv").filter { $0["method"] != "zero_shot" }
        let evaluated = try table(evalOut + "/eval.csv")
        XCTAssertEqual(evaluated.count, results.count)
        for e in evaluated {
            let r = try XCTUnwrap(
                results.first { $0["layer"] == e["layer"] && $0["method"] == e["method"] && $0["seed"] == e["seed"] })
            XCTAssertEqual(e["own_test_pairs"], "1")
            for column in [
                "acc_estimate", "acc_lower", "acc_upper", "auroc_estimate", "auroc_lower", "auroc_upper",
                "cal_acc_estimate", "ece", "reversed", "raw_acc", "raw_auroc", "acc_p95",
            ] {
                XCTAssertEqual(e[column], r[column], "\(column) of \(r["method"]!) seed \(r["seed"]!)")
            }
        }
        // A folder without probes: one line.
        try assertOneLineError(["eval", scratch()], mentions: "holds no probes.safetensors")
    }

    /// Issue 11: input quoted in a message is cut and its control characters escaped, so a 1 MB header or
    /// label, a placeholder with a newline or an escape sequence cannot flood or garble the terminal.
    func testMessagesQuotingInputStayShortAndPrintable() throws {
        let folder = ScratchFolder.url("scidl-msg", create: false)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let huge = String(repeating: "w", count: 1 << 20)
        let header = folder.appendingPathComponent("header.csv")
        try "statement,\(huge)\nx,1\n".write(to: header, atomically: true, encoding: .utf8)
        let label = folder.appendingPathComponent("label.csv")
        try "statement,label\nx,\(huge)\n".write(to: label, atomically: true, encoding: .utf8)
        let template = folder.appendingPathComponent("t.txt")
        try "{state\u{1B}[2Jment\nx} {answer}".write(to: template, atomically: true, encoding: .utf8)
        for args in [
            ["elicit", "--data", header.path], ["elicit", "--data", label.path],
            ["elicit", "--data", "comparisons", "--template", template.path],
        ] {
            let r = try scidl(args + ["--limit", "4"])
            XCTAssertEqual(r.status, 2, r.stderr.prefix(300).description)
            let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
            XCTAssertEqual(lines.count, 1, "one error line for \(args[2])")
            XCTAssertLessThan(r.stderr.count, 1000, "the message for \(args[2]) is cut")
            XCTAssertFalse(r.stderr.unicodeScalars.contains { $0.value == 0x1B }, "no raw escape for \(args[2])")
        }
    }

    /// Issue 24: the whole critique on one sample, with its summary figure and the zero-shot rows.
    func testChallengeStoryRunsEveryCondition() throws {
        let out = scratch()
        let r = try scidl([
            "challenge", "story", "--limit", "40", "--seeds", "0-1", "--methods", "pca,logistic", "--layers", "15,30",
            "--no-cache", "--out", out,
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let conditions = Set(rows.map { String($0.split(separator: ",")[0]) })
        XCTAssertEqual(conditions.count, 4, "default prompt, distractor, explicit and implicit opinion: \(conditions)")
        XCTAssertEqual(
            rows.filter { $0.contains(",zero_shot,") }.count, 4 * 2, "a zero-shot row per condition and seed")
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("The critique on one data set"))
        XCTAssertTrue(html.contains("What the unsupervised methods found instead"))
        XCTAssertTrue(html.contains("x⁺ − x⁻, layer"), "the principal-component picture")
    }

    func testChallengeRunsAndRefusesBadInput() throws {
        let out = scratch()
        let r = try scidl([
            "challenge", "distractor", "--limit", "40", "--seeds", "0-1", "--methods", "pca,logistic",
            "--no-cache", "--out", out,
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("word"), r.stdout)
        let header = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n")[0]
        XCTAssertTrue(header.contains("word_acc_estimate"), String(header))
        XCTAssertTrue(r.stdout.contains("zero-shot (the model's own answer): acc"), r.stdout)
        XCTAssertTrue(r.stdout.contains("linear probes on one side alone"), r.stdout)
        let sides = try String(contentsOfFile: out + "/side_probes.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(sides.count, 1 + 2 * 2 * 3, "header + seeds × sides × targets")
        let theorem = try scidl([
            "challenge", "theorem", "--limit", "40", "--seeds", "0", "--ccs-epochs", "20", "--no-cache", "--out",
            scratch(),
        ])
        XCTAssertEqual(theorem.status, 0, theorem.stderr)
        XCTAssertTrue(theorem.stdout.contains("loss(c')"), theorem.stdout)
        let template = ScratchFolder.url("t", suffix: ".txt", create: false)
        try "Just {answer}".write(to: template, atomically: true, encoding: .utf8)
        try assertOneLineError(["challenge", "magic"], mentions: "'magic' is invalid for '<experiment>'")
        try assertOneLineError(["challenge", "distractor", "--words", ""], mentions: "two different")
        try assertOneLineError(["challenge", "distractor", "--words", "Banana"], mentions: "two different")
        try assertOneLineError(["challenge", "templates", "--template", template.path], mentions: "only {answer}")
        try assertOneLineError(["challenge", "explicit-opinion", "--sentences", "0"], mentions: "between 1 and 8")
    }

    func testModelCommandDescribesTokenizesAndContinues() throws {
        let r = try scidl(["model", "--text", "The capital of France is", "--next", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for line in [
            "llama decoder", "9 query, 3 key/value, 64 wide", "tied to the embedding",
            "matrices    Q4_1 66 MB, Q8_0 30 MB",
            "tokens (5): 504 \"The\", 3575 \"Ġcapital\"",
        ] {
            XCTAssertTrue(r.stdout.contains(line), "'\(line)' not in: \(r.stdout)")
        }
        XCTAssertTrue(r.stdout.contains("next: \"ĠParis\""), r.stdout)
        try assertOneLineError(["model", "--model", "/no/such.gguf"], mentions: "no such file or folder")
    }
}
