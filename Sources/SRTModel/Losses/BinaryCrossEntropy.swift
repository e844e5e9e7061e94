import Foundation

/// `bce:K` and `gbce:K,t=T`: each row's target against its own K negatives, every score through a
/// sigmoid. The per-row loss is the reference's mean over the 1 + K entries, doubled so that `bce`
/// (K = 1) is SASRec's BCE as srthub has always computed it, softplus(−s⁺) + softplus(s⁻):
///     (2 / (1 + K)) · [β · softplus(−s⁺) + Σⱼ softplus(s⁻ⱼ)], every s shifted by log(β/K) (below)
/// BCE has β = 1 and draws K distinct items the user never had; gSASRec's gBCE draws K items with
/// replacement from the whole catalog and raises the positive's probability to the power β, that is
/// σ(s⁺)^β, which undoes the overconfidence the negative sampling rate α = K / (V − 1) causes:
/// β = α·(t·(1 − 1/α) + 1/α) = 1 − t·(1 − α).
///
/// Every score is shifted by log(β/K) before the sigmoid. A shift common to all items leaves the
/// ranking as it is, but it decides where training starts. The loss of a model that scores every
/// item alike is lowest at σ = β/(β + K), that is at the score log(β/K). Without the shift, every
/// first score is 0 and the K negatives' push-down outweighs the one positive. The representations
/// then spend epochs moving together to that score before they learn anything about order, longer
/// the larger K is. With the shift they start there. For SASRec's `bce` (K = 1, β = 1) it is 0.
struct BinaryCrossEntropy: TrainingLoss {
    let count: Int
    /// gBCE's calibration t; nil for plain BCE.
    let t: Float?

    init(negatives: Int, t: Float?) {
        count = negatives
        self.t = t
    }

    var negatives: NegativesPolicy { t == nil ? .unseenPerPosition(count) : .uniformPerPosition(count) }

    /// 1 + K dot products per row, forward and backward.
    func scoringFLOPs(rows: Double, hidden: Double, items: Double) -> ScoringFLOPs {
        ScoringFLOPs(matrix: 0, rowLoops: 6 * rows * hidden * Double(1 + count))
    }

    func check(items: Int, fewestUnseen: Int) throws(LossOptionError) {
        if t == nil, count > fewestUnseen {
            throw LossOptionError("'bce:\(count)' draws \(count) distinct items each user never had, but one user has only \(fewestUnseen) such items: use bce:K with K ≤ \(fewestUnseen)")
        }
        if t != nil, count >= items {
            throw LossOptionError("'gbce:\(count)': K must be below the catalog's \(items) items (its sampling rate K/(V−1) must be at most 1): use gbce:K with K ≤ \(items - 1)")
        }
    }

    /// The score shift that puts a constant model at its best loss: log(β/K).
    static func scoreOffset(beta: Float, negatives: Int) -> Float { log(beta / Float(negatives)) }

    /// gBCE's β for negatives drawn from `population` items.
    static func beta(negatives: Int, t: Float, population: Int) -> Float {
        let alpha = Float(negatives) / Float(max(population - 1, 1))
        return 1 - t * (1 - alpha)
    }

    public func sum(network: Network, rows: ScoredRows, inputs: LossInputs, prepared: (any LossPreparation)?,
                    workspace w: LossWorkspace, scale: Float) -> Double {
        let c = network.shape.architecture.hidden, r = rows.count, k = count
        precondition(rows.negatives.count == r * k, "\(self) needs \(k) negatives per row")
        let items = network.itemVectors.pointer
        let beta = t.map { Self.beta(negatives: k, t: $0, population: inputs.population > 0 ? inputs.population : network.items) } ?? 1
        let weight = 2 / Float(1 + k), offset = Self.scoreOffset(beta: beta, negatives: k)
        var total = 0.0
        for i in 0..<r {
            let h = w.gathered.pointer + i * c, dh = w.gatheredGradient.pointer + i * c
            for e in 0...k {
                let (item, label) = e == 0 ? (Int(rows.targets[i]), Float(1)) : (Int(rows.negatives[i * k + e - 1]), Float(0))
                let entryWeight = e == 0 ? beta * weight : weight
                let vector = items + item * c, dVector = network.itemGradients.pointer + item * c
                var s: Float = 0
                for j in 0..<c { s += h[j] * vector[j] }
                s += offset
                // BCE with logits: softplus(−s) for the positive, softplus(s) for a negative.
                let z = label == 1 ? -s : s
                total += Double(max(z, 0) + log1p(exp(-abs(z)))) * Double(entryWeight)
                let sigmoid = 1 / (1 + exp(-s))
                let ds = (sigmoid - label) * scale * entryWeight
                for j in 0..<c {
                    dh[j] += ds * vector[j]
                    dVector[j] += ds * h[j]
                }
            }
        }
        return total
    }
}

enum GeneralizedBCEDefaults {
    /// gSASRec's recommended calibration and negatives.
    static let t: Float = 0.75
    static let negatives = 256

    /// `gbce`, `gbce:K`, `gbce:K,t=T`, `gbce:t=T`.
    static func parse(_ text: String) throws(LossOptionError) -> LossKind {
        var k = negatives, t = self.t
        for part in text.split(separator: ",", omittingEmptySubsequences: false) where !text.isEmpty {
            if part.hasPrefix("t=") {
                guard let value = Float(part.dropFirst(2)), value >= 0, value <= 1 else {
                    throw LossOptionError("'gbce:\(text)': t must be a number from 0 to 1 (gSASRec uses 0.75), e.g. gbce:256,t=0.75")
                }
                t = value
            } else if let value = Int(part), value >= 1 {
                k = value
            } else {
                throw LossOptionError("'gbce:\(text)': expected the number of negatives K ≥ 1 and optionally t from 0 to 1, e.g. gbce:256,t=0.75")
            }
        }
        return .generalizedBinaryCrossEntropy(negatives: k, t: t)
    }
}
