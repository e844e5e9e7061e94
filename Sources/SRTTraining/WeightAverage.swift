import SRTTensor

/// An exponential moving average of the weights (Polyak averaging). Dropout at 0.5 and a high
/// peak rate make the raw weights wander from step to step, and validation NDCG@10 with them
/// (±0.005 per epoch on ml-100k); the average is smoother and is what validation sees.
/// Until `horizon` steps have passed it is the plain mean of the weights so far (decay 1 − 1/t),
/// so the random initialization does not linger in it.
final class WeightAverage {
    let values: FloatBuffer
    /// Holds the raw weights while the average is swapped in for validation.
    let raw: FloatBuffer
    let horizon: Double
    private(set) var updates = 0

    init(of params: FloatBuffer, horizonSteps: Double) {
        values = FloatBuffer(count: params.count)
        values.copy(from: params)
        raw = FloatBuffer(count: params.count)
        horizon = max(horizonSteps, 1)
    }

    /// Continues an interrupted run's average (its values and how many steps it has folded in).
    func restore(_ saved: [Float], updates: Int) {
        precondition(saved.count == values.count, "an average of another model")
        saved.withUnsafeBufferPointer { values.pointer.update(from: $0.baseAddress!, count: values.count) }
        self.updates = updates
    }

    /// Folds the current weights in.
    func update(from params: FloatBuffer) {
        updates += 1
        let weight = Float(1 / min(Double(updates), horizon))
        let average = values.pointer, current = UnsafePointer(params.pointer)
        for i in 0..<values.count { average[i] += weight * (current[i] - average[i]) }
    }

    /// Runs `body` with the average in `params`, then puts the raw weights back.
    func withAverage<T>(in params: FloatBuffer, _ body: () -> T) -> T {
        raw.copy(from: params)
        params.copy(from: values)
        defer { params.copy(from: raw) }
        return body()
    }
}
