import SciDLAutodiff
import SciDLGrokking
import SciDLTensor
import SciDLTestSupport
import XCTest

/// The hand-written step against autodiff through `OneLayerTransformer.logits` (itself held against PyTorch
/// in `ReferenceTransformerTests`), on batches with several query rows and repeated rows, which the
/// grokking tasks (one query token) never produce.
final class TransformerStepTests: XCTestCase {
    /// float32 against float32 in another summation order: measured worst 2e-7 absolute on gradients of
    /// size ~1e-2.
    static let tolerance = Tolerance(absolute: 1e-6, relative: 1e-5)

    func randomBatch(examples: Int, length: Int, vocabulary: Int, outputs: Int, seed: UInt64) -> ([Int], [Int]) {
        var rng = SeededGenerator(seed: seed)
        let tokens = (0..<(examples * length)).map { _ in rng.nextInt(below: vocabulary) }
        return (tokens, (0..<examples).map { _ in rng.nextInt(below: outputs) })
    }

    func makeModel(seed: UInt64) -> OneLayerTransformer {
        var rng = SeededGenerator(seed: seed)
        return OneLayerTransformer(
            vocabulary: 9, outputs: 5, length: 4, width: 24, heads: 3, mlpWidth: 40, using: &rng)
    }

    /// The step's loss and every gradient against autodiff's on one batch; `nonZero` lists the parameters
    /// whose gradient must not vanish (a zero gradient would test nothing). Returns the worst difference.
    @discardableResult
    func assertStepMatchesAutodiff(
        model: OneLayerTransformer, tokens: [Int], targets: [Int], length: Int, nonZero: (String) -> Bool
    ) throws -> Difference {
        model.zeroGradients()
        let graph = model.logits(tokens: tokens, length: length).crossEntropy(targets: targets)
        graph.backward()
        let expected = model.parameters.map { $0.grad! }
        model.zeroGradients()
        let step = TransformerStep(model: model, tokens: tokens, targets: targets, length: length)
        XCTAssertEqual(step.lossAndGradients(), graph.value.scalar, accuracy: 1e-6)
        var worst = Difference()
        for ((name, p), e) in zip(model.namedParameters, expected) {
            let g = try XCTUnwrap(p.grad, name)
            XCTAssertEqual(g.shape, e.shape, name)
            if nonZero(name) { XCTAssertGreaterThan(e.norm(), 0, "\(name): a zero gradient would test nothing") }
            assertClose(g.scalars, e.scalars, Self.tolerance, name, worst: &worst)
        }
        return worst
    }

    func testGradientsEqualAutodiffWithManyQueryRows() throws {
        let (tokens, targets) = randomBatch(examples: 300, length: 4, vocabulary: 9, outputs: 5, seed: 1)
        let worst = try assertStepMatchesAutodiff(
            model: makeModel(seed: 2), tokens: tokens, targets: targets, length: 4, nonZero: { _ in true })
        print("hand-written step against autodiff: \(worst)")
    }

    func testLogitValuesEqualTheGraphsLogitsOnShorterSequences() {
        // Three tokens into a model with four positions: the step must read the first three positions.
        let (tokens, _) = randomBatch(examples: 50, length: 3, vocabulary: 9, outputs: 5, seed: 3)
        let model = makeModel(seed: 4)
        let expected = model.logits(tokens: tokens, length: 3).value
        let values = model.logitValues(tokens: tokens, length: 3)
        XCTAssertEqual(values.shape, expected.shape)
        var worst = Difference()
        assertClose(values.scalars, expected.scalars, Self.tolerance, "logits", worst: &worst)
    }

    func testOneTokenSequencesHaveNoKeysToFold() throws {
        // The last key is folded into the query's row; with one token there is nothing else to mix, and
        // attention over one key passes no gradient to W_Q and W_K.
        let (tokens, targets) = randomBatch(examples: 40, length: 1, vocabulary: 9, outputs: 5, seed: 7)
        try assertStepMatchesAutodiff(
            model: makeModel(seed: 8), tokens: tokens, targets: targets, length: 1,
            nonZero: { !["W_Q", "W_K"].contains($0) })
    }

    func testTheSameStepTwiceGivesTheSameBits() {
        let (tokens, targets) = randomBatch(examples: 120, length: 4, vocabulary: 9, outputs: 5, seed: 5)
        let model = makeModel(seed: 6)
        let step = TransformerStep(model: model, tokens: tokens, targets: targets, length: 4)
        let first = step.lossAndGradients()
        let firstGradients = model.parameters.map { $0.grad!.scalars }
        XCTAssertEqual(step.lossAndGradients(), first)
        XCTAssertEqual(model.parameters.map { $0.grad!.scalars }, firstGradients)
        // After logits at the same weights the step reuses that forward pass: the same bits again.
        let logits = step.computeLogits()
        XCTAssertEqual(step.lossAndGradients(), first)
        XCTAssertEqual(model.parameters.map { $0.grad!.scalars }, firstGradients)
        // A changed weight is noticed: the logits are computed afresh.
        model.unembed.value.scalars[0] += 0.5
        XCTAssertNotEqual(step.computeLogits().scalars, logits.scalars)
        XCTAssertNotEqual(step.lossAndGradients(), first)
    }
}

/// A run's evaluation logits (training examples through the training step, the rest through a second step,
/// reassembled in task order) against the model's autodiff logits over every example, before and after
/// steps, and with a training subset that leaves examples in neither split.
final class EvaluationLogitsTests: XCTestCase {
    func testEvaluationLogitsEqualTheGraphsInTaskOrder() throws {
        for subset in [nil, 40] as [Int?] {
            var config = smallConfig(steps: 3)
            config.trainSubset = subset
            let dir = scratchDirectory("evaluation-logits")
            let run = try GrokRun(config: config, directory: dir)
            for _ in 0..<2 {
                let expected = run.model.logits(tokens: run.task.inputs.flatMap { $0 }, length: run.task.sequenceLength)
                let values = run.tableLogits()
                XCTAssertEqual(values.shape, expected.shape)
                var worst = Difference()
                assertClose(
                    values.scalars, expected.value.scalars, TransformerStepTests.tolerance, "logits", worst: &worst)
                run.trainStep()
            }
        }
    }
}

/// Accuracy's prediction: the first largest logit, NaNs never winning (written out plainly in the test).
final class PredictionTests: XCTestCase {
    func testAccuracyCountsTheFirstLargestLogitAsArgmaxRowsDoes() {
        var rng = SeededGenerator(seed: 9)
        // Rows 19 wide (two blocks of eight and a tail), with ties, NaNs and a leading NaN.
        var values = (0..<(40 * 19)).map { _ in Float(rng.nextInt(below: 7)) }
        values[3 * 19 + 5] = .nan
        values[4 * 19] = .nan
        values[5 * 19 + 18] = 100
        let logits = Tensor(shape: [40, 19], scalars: values)
        let predicted = (0..<40).map { i in
            var best = 0
            for j in 1..<19 where values[i * 19 + j] > values[i * 19 + best] { best = j }
            return best
        }
        for target in 0..<19 {
            let targets = [Int](repeating: target, count: 40)
            let expected = Double(predicted.filter { $0 == target }.count) / 40
            XCTAssertEqual(lossAndAccuracy(logits, targets: targets, rows: Array(0..<40)).accuracy, expected)
        }
    }
}
