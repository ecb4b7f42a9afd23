import SciDLAutodiff
import SciDLTensor
import XCTest

final class OptimizerAndLayerTests: XCTestCase {
    func testAdamWFollowsPyTorchsFormulaOverSeveralSteps() {
        // Scalar parameter, hand-computed in Double from the documented update.
        let (lr, b1, b2, eps, wd) = (0.1, 0.9, 0.98, 1e-8, 0.5)
        var opt = AdamW(
            learningRate: Float(lr), beta1: Float(b1), beta2: Float(b2), epsilon: Float(eps), weightDecay: Float(wd))
        let p = Variable(Tensor(shape: [1], scalars: [1.0]), requiresGrad: true)
        var theta = 1.0
        var m = 0.0
        var v = 0.0
        for (t, g) in [0.3, -1.2, 0.05, 2.0].enumerated() {
            p.grad = Tensor(shape: [1], scalars: [Float(g)])
            opt.update([p])
            theta *= 1 - lr * wd
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            let step = Double(t + 1)
            theta -= lr / (1 - pow(b1, step)) * m / (v.squareRoot() / (1 - pow(b2, step)).squareRoot() + eps)
            XCTAssertEqual(Double(p.value.scalars[0]), theta, accuracy: 1e-6)
        }
    }

    func testLinearAndMLPLayers() {
        var rng = SeededGenerator(seed: 8)
        let w = Tensor.randomNormal([4, 3], using: &rng)
        let b = Tensor.randomNormal([3], using: &rng)
        checkGradients([Tensor.randomNormal([5, 4], using: &rng), w, b]) { v in
            Variable.matmul(v[0], v[1]).addingToEachRow(v[2])
        }
        let layer = Linear(weight: w, bias: b)
        let x = Tensor.randomNormal([2, 4], using: &rng)
        XCTAssertEqual(layer(Variable(x)).value, Tensor.matmul(x, w).addingToEachRow(b))
    }
}
