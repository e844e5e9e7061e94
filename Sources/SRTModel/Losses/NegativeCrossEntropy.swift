import Foundation
import SRTTensor

/// `ce-:K` (the RECE paper's CE⁻): softmax cross-entropy over the target and K negatives drawn per
/// user, uniformly from the items the user never had, shared by all of that user's positions; no
/// logQ correction. Rows of one user carry the same K negatives, so each such run of rows is scored
/// against them as one matrix product (`SampledSoftmax.softmax`).
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
        let r = rows.count, k = count
        precondition(rows.negatives.count == r * k, "\(self) needs \(k) negatives per row")
        var total = 0.0, start = 0
        while start < r {
            // A run of rows sharing one user's negatives: the sampled softmax's products, without logQ.
            var end = start + 1
            while end < r && rows.negatives[(end * k)..<((end + 1) * k)] == rows.negatives[(start * k)..<((start + 1) * k)] { end += 1 }
            total += SampledSoftmax.softmax(rows: start..<end, targets: rows.targets, against: rows.negatives[(start * k)..<((start + 1) * k)],
                                            logQ: [], logQScale: 1, network: network, workspace: w, scale: scale)
            start = end
        }
        return total
    }
}
