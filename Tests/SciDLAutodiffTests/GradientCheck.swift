import SciDLAutodiff
import SciDLTensor
import XCTest

/// Compares the gradients from `backward()` with central finite differences.
///
/// The scalar checked is Σ f(x) ⊙ R for a fixed random R, so every output element's gradient path is
/// exercised. Inputs are Float32, so the step is 1e-2 and the tolerance loose enough for rounding but
/// far below the size of any real error (a wrong sign, a missing term, a transposed index).
func checkGradients(
    _ inputs: [Tensor], seed: UInt64 = 99, tolerance: Double = 3e-3,
    file: StaticString = #filePath, line: UInt = #line,
    _ f: ([Variable]) -> Variable
) {
    var rng = SeededGenerator(seed: seed)
    let probe = f(inputs.map { Variable($0) }).value
    let weights = Tensor.randomNormal(probe.shape, using: &rng)
    func objective(_ xs: [Tensor]) -> Double {
        let out = f(xs.map { Variable($0) }).value
        return zip(out.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    let variables = inputs.map { Variable($0, requiresGrad: true) }
    let out = f(variables)
    (out * Variable(weights)).sum().backward()
    let eps: Float = 1e-2
    for (i, x) in inputs.enumerated() {
        guard let analytic = variables[i].grad else {
            XCTFail("input \(i) got no gradient", file: file, line: line)
            continue
        }
        XCTAssertEqual(analytic.shape, x.shape, file: file, line: line)
        // Every element of small inputs; an evenly spread sample of large ones.
        let stride = max(1, x.count / 64)
        for j in Swift.stride(from: 0, to: x.count, by: stride) {
            var plus = inputs
            var minus = inputs
            plus[i].scalars[j] += eps
            minus[i].scalars[j] -= eps
            let numeric = (objective(plus) - objective(minus)) / Double(2 * eps)
            let a = Double(analytic.scalars[j])
            XCTAssertEqual(
                a, numeric, accuracy: tolerance * max(1, abs(numeric)),
                "input \(i) element \(j)", file: file, line: line)
        }
    }
}
