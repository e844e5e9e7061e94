import Testing
@testable import SRTTensor

/// Checks an analytic backward pass against central finite differences of L = Σ r ⊙ f(x), r a
/// fixed random projection. `forward` maps inputs to outputs; `backward` maps (inputs, dL/dout) to
/// gradients for each input. Passes when max |analytic − numeric| ≤ tolerance · max(1, max |numeric|).
func checkGradients(
    _ label: String, inputs: [[Float]], outputCount: Int, eps: Float = 1e-2, tolerance: Float = 2e-3,
    forward: ([[Float]]) -> [Float], backward: ([[Float]], [Float]) -> [[Float]],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    var rng = RandomSource(seed: 99)
    let r = (0..<outputCount).map { _ in rng.nextFloat() * 2 - 1 }
    func loss(_ x: [[Float]]) -> Double { zip(forward(x), r).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
    let analytic = backward(inputs, r)
    for (which, input) in inputs.enumerated() {
        var maxDiff: Float = 0, maxNumeric: Float = 0
        for i in input.indices {
            var plus = inputs, minus = inputs
            plus[which][i] += eps
            minus[which][i] -= eps
            let numeric = Float((loss(plus) - loss(minus)) / Double(2 * eps))
            maxDiff = max(maxDiff, abs(numeric - analytic[which][i]))
            maxNumeric = max(maxNumeric, abs(numeric))
        }
        #expect(maxDiff <= tolerance * max(1, maxNumeric),
                "\(label) input \(which): max |analytic − numeric| = \(maxDiff), max |numeric| = \(maxNumeric)",
                sourceLocation: sourceLocation)
    }
}

func randomArray(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = RandomSource(seed: seed)
    return (0..<count).map { _ in (rng.nextFloat() * 2 - 1) * scale }
}
