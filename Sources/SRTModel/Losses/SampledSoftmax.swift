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
        Self.softmax(rows: 0..<rows.count, targets: rows.targets, against: inputs.sharedNegatives[...], logQ: inputs.logQ,
                     logQScale: 1 / inputs.temperature, network: network, workspace: w, scale: scale)
    }

    /// Softmax cross-entropy of the scored rows `rows` (indices into the workspace's gathered rows
    /// and into `targets`) over each row's target and the same `negatives`, as matrix products.
    /// Each logit is corrected by −logQScale·logQ[item] (none when `logQ` is empty); a negative that
    /// is the row's own target is masked out. Returns the sum of the rows' losses.
    static func softmax(rows: Range<Int>, targets: [Int32], against negatives: ArraySlice<Int32>, logQ: [Float], logQScale: Float,
                        network: Network, workspace w: LossWorkspace, scale: Float) -> Double {
        let c = network.shape.architecture.hidden, r = rows.count, k = negatives.count
        let negatives = Array(negatives), corrected = !logQ.isEmpty
        let gathered = w.gathered.pointer + rows.lowerBound * c, gatheredGradient = w.gatheredGradient.pointer + rows.lowerBound * c
        let items = network.itemVectors.pointer
        w.ensureVectors(k * c)
        w.ensureLogits(r * k)
        for (i, item) in negatives.enumerated() { (w.vectors.pointer + i * c).update(from: items + Int(item) * c, count: c) }
        let negativeLogits = w.logits.pointer
        matmul(negativeLogits, gathered, w.vectors.pointer, m: r, n: k, k: c, transB: true)
        w.vectorGradients.pointer.update(repeating: 0, count: k * c)
        var total = 0.0
        for i in 0..<r {
            let h = gathered + i * c, target = Int(targets[rows.lowerBound + i])
            let targetVector = items + target * c
            var positive: Float = 0
            for j in 0..<c { positive += h[j] * targetVector[j] }
            if corrected { positive -= logQScale * logQ[target] }
            let row = negativeLogits + i * k
            var maxValue = positive
            for n in 0..<k {
                // Accidental hit: the target drawn as its own negative is masked out.
                row[n] = negatives[n] == Int32(target) ? -Float.infinity : corrected ? row[n] - logQScale * logQ[Int(negatives[n])] : row[n]
                maxValue = max(maxValue, row[n])
            }
            let ePositive = fastExp(positive - maxValue)
            var sum = ePositive
            for n in 0..<k { row[n] = row[n] == -Float.infinity ? 0 : fastExp(row[n] - maxValue); sum += row[n] }
            total -= Double(log(ePositive / sum))
            let dPositive = (ePositive / sum - 1) * scale
            let inv = scale / sum
            for n in 0..<k { row[n] *= inv }
            let dh = gatheredGradient + i * c, dTarget = network.itemGradients.pointer + target * c
            for j in 0..<c {
                dh[j] += dPositive * targetVector[j]
                dTarget[j] += dPositive * h[j]
            }
        }
        matmul(gatheredGradient, negativeLogits, w.vectors.pointer, m: r, n: c, k: k, beta: 1)
        matmul(w.vectorGradients.pointer, negativeLogits, gathered, m: k, n: c, k: r, transA: true)
        for (i, item) in negatives.enumerated() {
            let d = network.itemGradients.pointer + Int(item) * c, g = w.vectorGradients.pointer + i * c
            for j in 0..<c { d[j] += g[j] }
        }
        return total
    }
}
