import Foundation
import SRTTensor

/// `ce-:K` (the RECE paper's CE⁻): softmax cross-entropy over the target and K negatives drawn per
/// user, uniformly from the items the user never had, shared by all of that user's positions; no
/// logQ correction. Rows of one user carry the same K negatives, so each such run of rows is scored
/// against them as one matrix product.
struct NegativeCrossEntropy: TrainingLoss {
    let count: Int
    init(negatives: Int) { count = negatives }
    var negatives: NegativesPolicy { .unseenPerUser(count) }

    /// The negatives' logits and gradients as products; the positives' dot products row by row.
    func scoringFLOPs(rows: Double, hidden: Double, items: Double) -> ScoringFLOPs {
        ScoringFLOPs(matrix: 6 * rows * hidden * Double(count), rowLoops: 6 * rows * hidden)
    }

    func check(items: Int, fewestUnseen: Int) throws(LossOptionError) {
        if count > fewestUnseen {
            throw LossOptionError("'ce-:\(count)' draws \(count) distinct items each user never had, but one user has only \(fewestUnseen) such items: use ce-:K with K ≤ \(fewestUnseen)")
        }
    }

    public func sum(network: Network, rows: ScoredRows, inputs: LossInputs, prepared: (any LossPreparation)?,
                    workspace w: LossWorkspace, scale: Float) -> Double {
        let c = network.shape.architecture.hidden, r = rows.count, k = count
        precondition(rows.negatives.count == r * k, "\(self) needs \(k) negatives per row")
        let items = network.itemVectors.pointer, itemGradients = network.itemGradients.pointer
        w.ensureVectors(k * c)
        w.ensureLogits(r * k)
        var total = 0.0
        var start = 0
        while start < r {
            // A run of rows sharing one user's negatives.
            var end = start + 1
            while end < r && rows.negatives[(end * k)..<((end + 1) * k)] == rows.negatives[(start * k)..<((start + 1) * k)] { end += 1 }
            let n = end - start, negatives = rows.negatives[(start * k)..<((start + 1) * k)]
            for (i, item) in negatives.enumerated() { (w.vectors.pointer + i * c).update(from: items + Int(item) * c, count: c) }
            let h = w.gathered.pointer + start * c, dh = w.gatheredGradient.pointer + start * c, logits = w.logits.pointer
            matmul(logits, h, w.vectors.pointer, m: n, n: k, k: c, transB: true)
            for i in 0..<n {
                let hi = h + i * c, target = Int(rows.targets[start + i]), targetVector = items + target * c
                var positive: Float = 0
                for j in 0..<c { positive += hi[j] * targetVector[j] }
                let row = logits + i * k
                let shift = max(positive, maxReduce(row, count: k))
                let ePositive = fastExp(positive - shift)
                let sum = ePositive + expShiftSum(row, count: k, shift: shift)
                total -= Double(log(ePositive / sum))
                let dPositive = (ePositive / sum - 1) * scale
                let inverse = scale / sum
                for n in 0..<k { row[n] *= inverse }
                let dhi = dh + i * c, dTarget = itemGradients + target * c
                for j in 0..<c {
                    dhi[j] += dPositive * targetVector[j]
                    dTarget[j] += dPositive * hi[j]
                }
            }
            matmul(dh, logits, w.vectors.pointer, m: n, n: c, k: k, beta: 1)
            matmul(w.vectorGradients.pointer, logits, h, m: k, n: c, k: n, transA: true)
            for (i, item) in negatives.enumerated() {
                let d = itemGradients + Int(item) * c, g = w.vectorGradients.pointer + i * c
                for j in 0..<c { d[j] += g[j] }
            }
            start = end
        }
        return total
    }
}
