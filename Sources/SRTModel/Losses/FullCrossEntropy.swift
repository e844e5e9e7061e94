import Foundation
import SRTTensor

/// `ce`: softmax over the whole catalog at every position, with optional label smoothing.
struct FullCrossEntropy: TrainingLoss {
    var negatives: NegativesPolicy { .none }
    var scoresWholeCatalog: Bool { true }

    /// Logits, then the user-vector and item-vector gradients: three [R, C]·[C, V] products.
    func scoringFLOPs(rows: Double, hidden: Double, items: Double) -> ScoringFLOPs {
        ScoringFLOPs(matrix: 6 * rows * hidden * items, rowLoops: 0)
    }

    /// Blocks of `block` rows: logits = H·Wᵀ, then each row is left as E = exp(logits − max) with
    /// its sum, and the gradient (softmax − onehot)·scale is never written out: with sᵢ = scale/sumᵢ,
    /// dH = diag(s)·E·W − scale·W[targets] and dWᵀ += (diag(s)·H)ᵀ·E − scale·H at the targets' columns.
    /// That saves a pass over the [block, V] logits, the largest data here.
    /// Label smoothing ε makes the target (1 − ε)·onehot + ε/V. Its loss adds ε·(logsumexp − mean
    /// logit) and its gradient −ε·scale/V at every logit, which sums to −ε·scale·(mean item vector)
    /// in dH and −ε·scale/V·(sum of the rows' H) in every item's dW: two vectors, no [R, V] pass.
    public func sum(network: Network, rows: ScoredRows, inputs: LossInputs, prepared: (any LossPreparation)?,
                    workspace w: LossWorkspace, scale: Float) -> Double {
        let eps = inputs.labelSmoothing
        let c = network.shape.architecture.hidden, v = network.items, r = rows.count
        let meanItem = w.meanItem.pointer, rowSum = w.rowSum.pointer
        meanItem.update(repeating: 0, count: c)
        rowSum.update(repeating: 0, count: c)
        if eps > 0 {
            for item in 0..<v { for j in 0..<c { meanItem[j] += network.itemVectors.pointer[item * c + j] } }
            for j in 0..<c { meanItem[j] /= Float(v) }
        }
        let items = network.itemVectors.pointer, itemGradients = network.itemGradients.pointer
        w.ensureLogits(w.block * v)
        w.ensureTransposedItemGradients(c * v)
        let dWt = w.itemGradientsTransposed.pointer
        dWt.update(repeating: 0, count: c * v)
        var total = 0.0
        var start = 0
        while start < r {
            let n = min(w.block, r - start)
            let h = w.gathered.pointer + start * c, dh = w.gatheredGradient.pointer + start * c, logits = w.logits.pointer
            matmul(logits, h, items, m: n, n: v, k: c, transB: true)
            for i in 0..<n {
                let row = logits + i * v
                let shift = maxReduce(row, count: v)
                let sum = expShiftSum(row, count: v, shift: shift)
                let targetLoss = -Double(log(row[Int(rows.targets[start + i])] / sum))
                let hi = h + i * c
                if eps > 0 {
                    var meanLogit: Float = 0
                    for j in 0..<c { meanLogit += hi[j] * meanItem[j]; rowSum[j] += hi[j] }
                    let uniformLoss = Double(shift) + log(Double(sum)) - Double(meanLogit)
                    total += Double(1 - eps) * targetLoss + Double(eps) * uniformLoss
                } else {
                    total += targetLoss
                }
                w.rowScales[i] = scale / sum
                let scaled = w.scaledRows.pointer + i * c
                for j in 0..<c { scaled[j] = w.rowScales[i] * hi[j] }
            }
            matmul(w.blockProducts.pointer, logits, items, m: n, n: c, k: v)
            matmul(dWt, w.scaledRows.pointer, logits, m: c, n: v, k: n, transA: true, beta: 1)
            for i in 0..<n {
                let target = Int(rows.targets[start + i])
                let product = w.blockProducts.pointer + i * c, d = dh + i * c, hi = h + i * c
                let t = items + target * c, dt = itemGradients + target * c
                let si = w.rowScales[i], targetScale = (1 - eps) * scale
                for j in 0..<c {
                    d[j] += si * product[j] - targetScale * t[j] - eps * scale * meanItem[j]
                    dt[j] -= targetScale * hi[j]
                }
            }
            start += n
        }
        for item in 0..<v {
            let d = itemGradients + item * c
            for j in 0..<c { d[j] += dWt[j * v + item] - eps * scale / Float(v) * rowSum[j] }
        }
        return total
    }
}
