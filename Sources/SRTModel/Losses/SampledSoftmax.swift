import Foundation
import SRTTensor

/// `ssm:K`: softmax over the target and K popularity-sampled negatives shared by the whole batch,
/// with logQ correction (on the positive too, as the reference does) and accidental hits masked.
struct SampledSoftmax: TrainingLoss {
    let count: Int
    init(negatives: Int) { count = negatives }
    var negatives: NegativesPolicy { .sharedPopularity(count) }

    /// The shared negatives' logits and gradients as products; the positives' dot products row by row.
    func scoringFLOPs(rows: Double, hidden: Double, items: Double) -> ScoringFLOPs {
        ScoringFLOPs(matrix: 6 * rows * hidden * Double(count), rowLoops: 6 * rows * hidden)
    }

    public func sum(network: Network, rows: ScoredRows, inputs: LossInputs, prepared: (any LossPreparation)?,
                    workspace w: LossWorkspace, scale: Float) -> Double {
        // The logQ correction is divided by the temperature too, as the reference does.
        let negatives = inputs.sharedNegatives, logQ = inputs.logQ, logQScale = 1 / inputs.temperature
        let c = network.shape.architecture.hidden, r = rows.count, k = negatives.count
        let items = network.itemVectors.pointer
        w.ensureVectors(k * c)
        w.ensureLogits(r * k)
        for (i, item) in negatives.enumerated() { (w.vectors.pointer + i * c).update(from: items + Int(item) * c, count: c) }
        let negativeLogits = w.logits.pointer
        matmul(negativeLogits, w.gathered.pointer, w.vectors.pointer, m: r, n: k, k: c, transB: true)
        w.vectorGradients.pointer.update(repeating: 0, count: k * c)
        var total = 0.0
        for i in 0..<r {
            let h = w.gathered.pointer + i * c, target = Int(rows.targets[i])
            let targetVector = items + target * c
            var positive: Float = 0
            for j in 0..<c { positive += h[j] * targetVector[j] }
            positive -= logQScale * logQ[target]
            let row = negativeLogits + i * k
            var maxValue = positive
            for n in 0..<k {
                // Accidental hit: the target drawn as its own negative is masked out.
                row[n] = negatives[n] == Int32(target) ? -Float.infinity : row[n] - logQScale * logQ[Int(negatives[n])]
                maxValue = max(maxValue, row[n])
            }
            let ePositive = fastExp(positive - maxValue)
            var sum = ePositive
            for n in 0..<k { row[n] = row[n] == -Float.infinity ? 0 : fastExp(row[n] - maxValue); sum += row[n] }
            total -= Double(log(ePositive / sum))
            let dPositive = (ePositive / sum - 1) * scale
            let inv = scale / sum
            for n in 0..<k { row[n] *= inv }
            let dh = w.gatheredGradient.pointer + i * c, dTarget = network.itemGradients.pointer + target * c
            for j in 0..<c {
                dh[j] += dPositive * targetVector[j]
                dTarget[j] += dPositive * h[j]
            }
        }
        matmul(w.gatheredGradient.pointer, negativeLogits, w.vectors.pointer, m: r, n: c, k: k, beta: 1)
        matmul(w.vectorGradients.pointer, negativeLogits, w.gathered.pointer, m: k, n: c, k: r, transA: true)
        for (i, item) in negatives.enumerated() {
            let d = network.itemGradients.pointer + Int(item) * c, g = w.vectorGradients.pointer + i * c
            for j in 0..<c { d[j] += g[j] }
        }
        return total
    }
}
