import Testing
@testable import SRTModel
import SRTTensor

/// Splitting a batch across workers must give the gradient of the whole batch's mean loss: the same
/// numbers, up to float summation order, as one network on the whole batch (dropout off).
@Suite struct ShardedGradientsTests {
    static let batch = 5, length = 4, items = 9

    static func network(_ kind: ItemEncoderConfig.Kind, maxBatch: Int = batch, itemIDs: Bool = false) -> Network {
        let architecture = Architecture(name: "tiny", layers: 2, heads: 2, hidden: 8, inner: 12, maxLength: length,
                                        hiddenDropout: 0, attentionDropout: 0)
        var encoder = kind == .text
            ? ItemEncoderConfig(kind: .text, fields: ["title"], maxPieces: [2], vocabularySize: 6, tokenEmbedding: 4)
            : ItemEncoderConfig(kind: .id)
        if itemIDs { encoder.itemIDs = true }
        let net = Network(shape: ModelShape(architecture: architecture, itemEncoder: encoder, items: items), maxBatch: maxBatch, seed: 3)
        var rng = RandomSource(seed: 11)
        for i in 0..<net.params.count { net.params[i] += 0.3 * rng.nextGaussian() }
        if kind == .text {
            let ids: [Int32] = [0, 1, 2, -1, 3, 4, 5, -1, 1, 2, 0, 5, 4, -1, 3, 3, 2, 5]
            net.setCatalog(ItemTokens(items: items, fields: 1, pieces: 2, ids: ids))
        }
        return net
    }

    /// Five sequences, two of them shorter (padding after them); every real position but the last is scored.
    static func inputs() -> ([Int32], ScoredRows) {
        let sequences: [Int32] = [0, 3, 5, 2,  4, 1, -1, -1,  8, 7, 6, 5,  2, -1, -1, -1,  1, 2, 3, 4]
        var rows = ScoredRows()
        for i in 0..<(batch * length) where sequences[i] >= 0 {
            rows.rows.append(Int32(i))
            rows.targets.append(Int32((Int(sequences[i]) * 5 + 2) % items))
            rows.negatives.append(Int32((Int(sequences[i]) + 4) % items))
        }
        return (sequences, rows)
    }

    /// The rows with the loss's own negatives: K per row, or per sequence (the same K for all of a
    /// sequence's rows) where it draws per user; the single negative the inputs carry otherwise.
    static func withNegatives(_ rows: ScoredRows, for loss: LossKind, items: Int = items) -> ScoredRows {
        var result = rows
        switch loss.function.negatives {
        case .unseenPerPosition(let k) where k == 1: break
        case .unseenPerPosition(let k), .uniformPerPosition(let k):
            result.negatives = rows.targets.enumerated().flatMap { i, t in (0..<k).map { j in Int32((Int(t) + 1 + (i + j) % (items - 1)) % items) } }
        case .unseenPerUser(let k):
            result.negatives = rows.rows.flatMap { row in (0..<k).map { j in Int32((Int(row) / length * 2 + j) % items) } }
        case .none, .sharedPopularity: result.negatives = []
        }
        return result
    }

    static func inputs(_ negatives: [Int32], _ logQ: [Float], _ c: Case) -> LossInputs {
        LossInputs(sharedNegatives: negatives, logQ: logQ, temperature: c.temperature, labelSmoothing: c.labelSmoothing,
                   population: items, seed: 7)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let encoder: ItemEncoderConfig.Kind
        let loss: LossKind
        let shards: Int
        var temperature: Float = 1
        var labelSmoothing: Float = 0
        var itemIDs = false
        var testDescription: String {
            "\(encoder) encoder\(itemIDs ? " with item IDs" : ""), \(loss), \(shards) shards, temperature \(temperature), label smoothing \(labelSmoothing)"
        }
    }

    @Test(arguments: [
        Case(encoder: .text, loss: .fullCrossEntropy, shards: 2), Case(encoder: .id, loss: .fullCrossEntropy, shards: 3),
        Case(encoder: .text, loss: .sampledSoftmax(negatives: 4), shards: 2), Case(encoder: .id, loss: .sasrecBCE, shards: 2),
        Case(encoder: .text, loss: .sasrecBCE, shards: 5),
        Case(encoder: .text, loss: .binaryCrossEntropy(negatives: 3), shards: 2),
        Case(encoder: .id, loss: .generalizedBinaryCrossEntropy(negatives: 4, t: 0.75), shards: 3),
        Case(encoder: .text, loss: .negativeCrossEntropy(negatives: 3), shards: 2),
        Case(encoder: .text, loss: .reducedCrossEntropy(RECEOptions()), shards: 2),
        Case(encoder: .id, loss: .reducedCrossEntropy(RECEOptions(buckets: 4, extra: 0, rounds: 3)), shards: 3),
        Case(encoder: .id, loss: .fullCrossEntropy, shards: 2, temperature: 0.5),
        Case(encoder: .text, loss: .sampledSoftmax(negatives: 4), shards: 3, temperature: 0.7),
        Case(encoder: .text, loss: .fullCrossEntropy, shards: 3, labelSmoothing: 0.1),
        Case(encoder: .text, loss: .fullCrossEntropy, shards: 2, itemIDs: true),
    ])
    func shardedGradientEqualsWholeBatchGradient(_ c: Case) {
        let (sequences, plain) = Self.inputs()
        let rows = Self.withNegatives(plain, for: c.loss)
        let logQ = (0..<Self.items).map { Float(-2.0 - 0.1 * Double($0)) }
        let negatives: [Int32] = [6, 0, 2, 3]

        let whole = Self.network(c.encoder, itemIDs: c.itemIDs)
        var rng = RandomSource(seed: 1)
        let wholeLoss = whole.lossAndGradients(c.loss, sequences: sequences, batch: Self.batch, rows: rows,
                                               workspace: LossWorkspace(maxRows: Self.batch * Self.length, hidden: 8),
                                               inputs: Self.inputs(negatives, logQ, c), training: true, rng: &rng)

        // Sized by the shard, as training sizes it: each worker holds its share, not the batch.
        let split = Self.network(c.encoder, maxBatch: (Self.batch + c.shards - 1) / c.shards, itemIDs: c.itemIDs)
        let sharded = ShardedGradients(network: split, shards: c.shards)
        var rng2 = RandomSource(seed: 1)
        let shardedLoss = sharded.lossAndGradients(c.loss, sequences: sequences, batch: Self.batch, rows: rows,
                                                   inputs: Self.inputs(negatives, logQ, c), training: true, rng: &rng2)

        #expect(abs(wholeLoss - shardedLoss) < 1e-5 * max(1, abs(wholeLoss)))
        var maxDiff: Float = 0, maxGrad: Float = 0
        for i in 0..<whole.grads.count {
            maxDiff = max(maxDiff, abs(whole.grads[i] - split.grads[i]))
            maxGrad = max(maxGrad, abs(whole.grads[i]))
        }
        #expect(maxGrad > 1e-3)  // the comparison is not between two zero vectors
        #expect(maxDiff <= 1e-5 * maxGrad, "max |Δgrad| \(maxDiff) of max |grad| \(maxGrad)")
    }

    /// Sampled losses encode only the items a step touches; the gradient must be the one the whole
    /// catalog gives (an item no row scores gets no gradient). Items 8 and 7 are touched by nothing
    /// below but item 8's row in the sequences, so the subset really is smaller than the catalog.
    @Test(arguments: [
        Case(encoder: .text, loss: .sampledSoftmax(negatives: 4), shards: 1), Case(encoder: .id, loss: .sampledSoftmax(negatives: 4), shards: 2),
        Case(encoder: .text, loss: .sasrecBCE, shards: 2), Case(encoder: .id, loss: .sasrecBCE, shards: 1),
        Case(encoder: .text, loss: .negativeCrossEntropy(negatives: 2), shards: 2),
        Case(encoder: .text, loss: .sampledSoftmax(negatives: 4), shards: 2, itemIDs: true),
    ])
    func encodingOnlyTheTouchedItemsGivesTheWholeCatalogGradient(_ c: Case) {
        var (sequences, rows) = Self.inputs()
        // Drop the sequence that holds items 7, 8 and 6 so that some items are untouched.
        sequences.replaceSubrange(8..<12, with: [2, 0, -1, -1])
        rows = ScoredRows()
        for i in 0..<(Self.batch * Self.length) where sequences[i] >= 0 {
            rows.rows.append(Int32(i))
            rows.targets.append(Int32((Int(sequences[i]) * 2 + 1) % 6))
            rows.negatives.append(Int32((Int(sequences[i]) + 4) % 6))
        }
        rows = Self.withNegatives(rows, for: c.loss, items: 6)
        let logQ = (0..<Self.items).map { Float(-2.0 - 0.1 * Double($0)) }
        let negatives: [Int32] = [5, 0, 2, 3]
        func run(_ net: Network, subset: [Int32]?, sequences: [Int32], rows: ScoredRows, negatives: [Int32], logQ: [Float]) -> Float {
            var rng = RandomSource(seed: 1)
            if c.shards > 1 {
                return ShardedGradients(network: net, shards: c.shards).lossAndGradients(
                    c.loss, sequences: sequences, batch: Self.batch, rows: rows, inputs: LossInputs(sharedNegatives: negatives, logQ: logQ),
                    training: true, itemSubset: subset, rng: &rng)
            }
            return net.lossAndGradients(c.loss, sequences: sequences, batch: Self.batch, rows: rows,
                                        workspace: LossWorkspace(maxRows: Self.batch * Self.length, hidden: 8),
                                        inputs: LossInputs(sharedNegatives: negatives, logQ: logQ), training: true, itemSubset: subset, rng: &rng)
        }
        let maxBatch = (Self.batch + c.shards - 1) / c.shards
        let whole = Self.network(c.encoder, maxBatch: maxBatch, itemIDs: c.itemIDs)
        let wholeLoss = run(whole, subset: nil, sequences: sequences, rows: rows, negatives: negatives, logQ: logQ)

        let touched = Set(sequences.filter { $0 >= 0 } + rows.targets + rows.negatives + negatives).sorted()
        #expect(touched.count < Self.items)
        let row = Dictionary(uniqueKeysWithValues: touched.enumerated().map { ($1, Int32($0)) })
        func renumber(_ list: [Int32]) -> [Int32] { list.map { $0 < 0 ? $0 : row[$0]! } }
        var localRows = rows
        localRows.targets = renumber(rows.targets)
        localRows.negatives = renumber(rows.negatives)
        let part = Self.network(c.encoder, maxBatch: maxBatch, itemIDs: c.itemIDs)
        let partLoss = run(part, subset: touched, sequences: renumber(sequences), rows: localRows, negatives: renumber(negatives),
                           logQ: touched.map { logQ[Int($0)] })

        #expect(part.items == touched.count)
        #expect(abs(wholeLoss - partLoss) < 1e-5 * max(1, abs(wholeLoss)))
        var maxDiff: Float = 0, maxGrad: Float = 0
        for i in 0..<whole.grads.count {
            maxDiff = max(maxDiff, abs(whole.grads[i] - part.grads[i]))
            maxGrad = max(maxGrad, abs(whole.grads[i]))
        }
        #expect(maxGrad > 1e-3)
        #expect(maxDiff <= 1e-5 * maxGrad, "max |Δgrad| \(maxDiff) of max |grad| \(maxGrad)")
    }

    @Test func aBatchSmallerThanTheShardCountRunsOnOneWorker() {
        let net = Self.network(.id)
        let sharded = ShardedGradients(network: net, shards: 4)
        var rows = ScoredRows()
        rows.rows = [0, 1]
        rows.targets = [3, 4]
        var rng = RandomSource(seed: 1)
        let loss = sharded.lossAndGradients(.fullCrossEntropy, sequences: [1, 2, 3, -1], batch: 1, rows: rows, training: false, rng: &rng)
        #expect(loss.isFinite && loss > 0)
    }
}
