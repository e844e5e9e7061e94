import Foundation
import SRTTensor

// Losses over the positions that have a target. Legend: R scored rows (positions), C hidden,
// V items, K sampled negatives. Each loss reads `network.hidden` and `network.itemVectors`, returns
// the mean loss over the R rows, and accumulates dL/d hidden into `network.hiddenGradient` and
// dL/d item vectors into `network.itemGradients`.

public enum LossKind: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Softmax over the whole catalog at every position.
    case fullCrossEntropy
    /// Softmax over the target and K popularity-sampled negatives shared by the whole batch, with
    /// logQ correction (on the positive too, as the reference does) and accidental hits masked.
    case sampledSoftmax(negatives: Int)
    /// SASRec's binary cross-entropy with one uniform negative per position, never an item the user had.
    case binaryCrossEntropy

    public var description: String {
        switch self {
        case .fullCrossEntropy: "ce"
        case .sampledSoftmax(let k): "ssm:\(k)"
        case .binaryCrossEntropy: "bce"
        }
    }

    /// Written as the CLI spells it (`"ce"`, `"ssm:1000"`, `"bce"`); read in that form or in the
    /// keyed form configs held before (`{"sampledSoftmax": {"negatives": 1000}}`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            guard let kind = LossKind(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown loss '\(text)' (ce, bce or ssm:K)"))
            }
            self = kind
            return
        }
        let keyed = try decoder.container(keyedBy: LegacyKey.self)
        if keyed.contains(.fullCrossEntropy) { self = .fullCrossEntropy; return }
        if keyed.contains(.binaryCrossEntropy) { self = .binaryCrossEntropy; return }
        let sampled = try keyed.nestedContainer(keyedBy: LegacyKey.self, forKey: .sampledSoftmax)
        self = .sampledSoftmax(negatives: try sampled.decode(Int.self, forKey: .negatives))
    }

    private enum LegacyKey: String, CodingKey { case fullCrossEntropy, sampledSoftmax, binaryCrossEntropy, negatives }

    /// Parses `ce`, `bce`, `ssm:1000` (the CLI's --loss).
    public init?(_ text: String) {
        switch text {
        case "ce": self = .fullCrossEntropy
        case "bce": self = .binaryCrossEntropy
        default:
            guard text.hasPrefix("ssm:"), let k = Int(text.dropFirst(4)), k > 0 else { return nil }
            self = .sampledSoftmax(negatives: k)
        }
    }
}

/// Rows to score: `rows[r]` is a position index into [B·T], `targets[r]` its item.
public struct ScoredRows: Sendable {
    public var rows: [Int32] = []
    public var targets: [Int32] = []
    /// For BCE: a negative per row.
    public var negatives: [Int32] = []
    public init() {}
    public var count: Int { rows.count }
}

/// Buffers the losses need, allocated once for the largest batch.
public final class LossWorkspace {
    let block = 256
    let gathered: FloatBuffer  // [R, C]
    let gatheredGradient: FloatBuffer  // [R, C]
    var logits: FloatBuffer  // [block, V] or [R, K]
    var vectors: FloatBuffer  // [K, C]
    var vectorGradients: FloatBuffer  // [K, C]
    /// Full CE: dL/d item vectors accumulated transposed, [C, V] (that GEMM runs faster this way round).
    var itemGradientsTransposed: FloatBuffer
    /// Full CE, per block: each row's softmax scale, E·W and the scaled user vectors, [block], [block, C] ×2.
    let rowScales, blockProducts, scaledRows: FloatBuffer
    /// Full CE with label smoothing: the catalog's mean item vector and the sum of the scored user
    /// vectors, [C] each.
    let meanItem, rowSum: FloatBuffer

    public init(maxRows: Int, hidden: Int) {
        gathered = FloatBuffer(count: maxRows * hidden)
        gatheredGradient = FloatBuffer(count: maxRows * hidden)
        logits = FloatBuffer(count: 0)
        vectors = FloatBuffer(count: 0)
        vectorGradients = FloatBuffer(count: 0)
        itemGradientsTransposed = FloatBuffer(count: 0)
        rowScales = FloatBuffer(count: block)
        blockProducts = FloatBuffer(count: block * hidden)
        scaledRows = FloatBuffer(count: block * hidden)
        meanItem = FloatBuffer(count: hidden)
        rowSum = FloatBuffer(count: hidden)
    }

    func ensureLogits(_ count: Int) { if logits.count < count { logits = FloatBuffer(count: count) } }
    func ensureTransposedItemGradients(_ count: Int) {
        if itemGradientsTransposed.count != count { itemGradientsTransposed = FloatBuffer(count: count) }
    }
    func ensureVectors(_ count: Int) {
        if vectors.count < count { vectors = FloatBuffer(count: count); vectorGradients = FloatBuffer(count: count) }
    }
}

public enum Loss {
    /// Computes the loss and its gradients. `negatives` (sampled softmax) are item indices and
    /// `logQ` the log sampling probability of every item. Gradients are of the sum over the rows
    /// divided by `normalizer` (default: the rows, i.e. of the mean; a shard of a batch passes the
    /// whole batch's rows). Returns the mean over these rows. `temperature` divides every logit
    /// (the logQ-corrected ones of the sampled softmax, as the reference does). `labelSmoothing` ε
    /// (full CE only) trains towards 1 − ε on the target and ε spread evenly over the catalog.
    public static func compute(
        _ kind: LossKind, network: Network, rows: ScoredRows, workspace: LossWorkspace,
        negatives: [Int32] = [], logQ: [Float] = [], normalizer: Int? = nil, temperature: Float = 1, labelSmoothing: Float = 0
    ) -> Float {
        precondition(labelSmoothing == 0 || kind == .fullCrossEntropy, "label smoothing is implemented for full CE only")
        guard rows.count > 0 else { return 0 }
        let c = network.shape.architecture.hidden
        gather(network: network, rows: rows, into: workspace.gathered)
        // Logits are linear in the user vector, so scoring u/τ divides them by τ; the chain rule
        // then scales the user vectors' gradient by 1/τ as well (item gradients already see u/τ).
        let inverse = 1 / temperature
        if inverse != 1 { SRTTensor.scale(workspace.gathered.pointer, count: rows.count * c, by: inverse) }
        workspace.gatheredGradient.pointer.update(repeating: 0, count: rows.count * c)
        let scale = 1 / Float(normalizer ?? rows.count)
        let loss: Float
        switch kind {
        case .fullCrossEntropy: loss = fullCrossEntropy(network, rows, workspace, scale: scale, smoothing: labelSmoothing)
        case .sampledSoftmax:
            loss = sampledSoftmax(network, rows, workspace, negatives: negatives, logQ: logQ, logQScale: inverse, scale: scale)
        case .binaryCrossEntropy: loss = binaryCrossEntropy(network, rows, workspace, scale: scale)
        }
        if inverse != 1 { SRTTensor.scale(workspace.gatheredGradient.pointer, count: rows.count * c, by: inverse) }
        scatter(workspace.gatheredGradient, rows: rows, network: network)
        return loss
    }

    static func gather(network: Network, rows: ScoredRows, into buffer: FloatBuffer) {
        let c = network.shape.architecture.hidden
        for (r, row) in rows.rows.enumerated() {
            (buffer.pointer + r * c).update(from: network.hidden.pointer + Int(row) * c, count: c)
        }
    }

    static func scatter(_ buffer: FloatBuffer, rows: ScoredRows, network: Network) {
        let c = network.shape.architecture.hidden
        for (r, row) in rows.rows.enumerated() {
            let d = network.hiddenGradient.pointer + Int(row) * c, g = buffer.pointer + r * c
            for j in 0..<c { d[j] += g[j] }
        }
    }

    /// Blocks of `block` rows: logits = H·Wᵀ, then each row is left as E = exp(logits − max) with
    /// its sum, and the gradient (softmax − onehot)·scale is never written out: with sᵢ = scale/sumᵢ,
    /// dH = diag(s)·E·W − scale·W[targets] and dWᵀ += (diag(s)·H)ᵀ·E − scale·H at the targets' columns.
    /// That saves a pass over the [block, V] logits, the largest data here.
    /// Label smoothing ε makes the target (1 − ε)·onehot + ε/V. Its loss adds ε·(logsumexp − mean
    /// logit) and its gradient −ε·scale/V at every logit, which sums to −ε·scale·(mean item vector)
    /// in dH and −ε·scale/V·(sum of the rows' H) in every item's dW: two vectors, no [R, V] pass.
    static func fullCrossEntropy(_ network: Network, _ rows: ScoredRows, _ w: LossWorkspace, scale: Float, smoothing eps: Float) -> Float {
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
        return Float(total / Double(r))
    }

    static func sampledSoftmax(_ network: Network, _ rows: ScoredRows, _ w: LossWorkspace, negatives: [Int32], logQ: [Float], logQScale: Float, scale: Float) -> Float {
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
        return Float(total / Double(r))
    }

    static func binaryCrossEntropy(_ network: Network, _ rows: ScoredRows, _ w: LossWorkspace, scale: Float) -> Float {
        let c = network.shape.architecture.hidden, r = rows.count
        let items = network.itemVectors.pointer
        var total = 0.0
        for i in 0..<r {
            let h = w.gathered.pointer + i * c, dh = w.gatheredGradient.pointer + i * c
            for (item, label) in [(Int(rows.targets[i]), Float(1)), (Int(rows.negatives[i]), Float(0))] {
                let vector = items + item * c, dVector = network.itemGradients.pointer + item * c
                var s: Float = 0
                for j in 0..<c { s += h[j] * vector[j] }
                // BCE with logits: softplus(−s) for the positive, softplus(s) for the negative.
                let z = label == 1 ? -s : s
                total += Double(max(z, 0) + log1p(exp(-abs(z))))
                let sigmoid = 1 / (1 + exp(-s))
                let ds = (sigmoid - label) * scale
                for j in 0..<c {
                    dh[j] += ds * vector[j]
                    dVector[j] += ds * h[j]
                }
            }
        }
        return Float(total / Double(r))
    }
}

extension Network {
    /// One gradient evaluation, shared by training steps, the Fisher pass and benchmarks: encode
    /// items (all, or only `itemSubset`: then every item index in `sequences`, `rows` and
    /// `negatives` is a row of that subset, and `logQ` is indexed the same way), zero the
    /// gradients, run forward, compute the loss on `rows`, back-propagate into `grads`.
    /// Returns the mean loss over the scored rows.
    public func lossAndGradients(
        _ kind: LossKind, sequences: [Int32], batch: Int, length: Int? = nil, rows: ScoredRows, workspace: LossWorkspace,
        negatives: [Int32] = [], logQ: [Float] = [], temperature: Float = 1, labelSmoothing: Float = 0, training: Bool,
        itemSubset: [Int32]? = nil, rng: inout RandomSource
    ) -> Float {
        encodeItems(only: itemSubset)
        zeroGradients()
        forward(sequences, batch: batch, length: length, training: training, rng: &rng)
        hiddenGradient.zero()
        let loss = Loss.compute(kind, network: self, rows: rows, workspace: workspace, negatives: negatives, logQ: logQ,
                                temperature: temperature, labelSmoothing: labelSmoothing)
        backward()
        encodeItemsBackward()
        return loss
    }
}
