import Testing
@testable import SRTModel
import SRTTensor

/// Token dropout (`TokenDropout`): which pieces it drops, what the encoder sums without them, its
/// gradient, and that it does not depend on how a batch is split across workers.
@Suite struct TokenDropoutTests {
    @Test func dropsAboutTheAskedShareAndDependsOnTheSeed() {
        let dropout = TokenDropout(probability: 0.3, seed: 9), other = TokenDropout(probability: 0.3, seed: 10)
        var kept = 0, agree = 0
        let n = 100_000
        for i in 0..<n {
            let k = dropout.keeps(item: i / 16, slot: i % 16)
            if k { kept += 1 }
            if k == other.keeps(item: i / 16, slot: i % 16) { agree += 1 }
        }
        // Binomial(100,000, 0.7): a standard deviation of 145, so ±1,000 fails only on a broken hash.
        #expect(abs(kept - 70_000) < 1_000, "kept \(kept) of \(n)")
        // Independent seeds agree on 0.7² + 0.3² = 58% of pieces, not on all of them.
        #expect(abs(agree - 58_000) < 1_000, "agree \(agree)")
        #expect((0..<1000).allSatisfy { TokenDropout(probability: 0, seed: 3).keeps(item: $0, slot: $0 % 7) })
        #expect(abs(dropout.scale - 1 / 0.7) < 1e-6)
    }

    /// The pooled field vectors with dropout are, item by item, the kept pieces' rows summed and
    /// scaled by 1/(1 − p), computed here from the token table directly.
    @Test func theEncoderSumsOnlyTheKeptPiecesScaled() {
        let net = NetworkGradientTests.network(.text)
        let dropout = TokenDropout(probability: 0.4, seed: 5)
        net.encodeItems(only: nil, dropping: dropout)
        let e = 4, nf = 2, pieces = 3
        let table = net.layout.entries.first { $0.name == ParameterLayout.tokenEmbeddingName }!.range.lowerBound
        var dropped = 0, kept = 0
        for item in 0..<NetworkGradientTests.items {
            for f in 0..<nf {
                var expected = [Float](repeating: 0, count: e)
                for p in 0..<pieces {
                    let t = Int(net.tokens[(item * nf + f) * pieces + p])
                    if t < 0 { break }
                    guard dropout.keeps(item: item, slot: f * pieces + p) else { dropped += 1; continue }
                    kept += 1
                    for j in 0..<e { expected[j] += net.params[table + t * e + j] / 0.6 }
                }
                for j in 0..<e { #expect(abs(net.pooled[(item * nf + f) * e + j] - expected[j]) < 1e-5) }
            }
        }
        #expect(dropped > 0 && kept > 0)  // the comparison covers both kinds of piece
        // Without dropout (evaluation) every piece counts again.
        net.encodeItems()
        #expect(net.encodedDropout == nil)
    }

    static func loss(_ net: Network, _ kind: LossKind, dropout: TokenDropout, subset: [Int32]? = nil) -> Float {
        var rng = RandomSource(seed: 1)
        return net.lossAndGradients(kind, sequences: NetworkGradientTests.sequences, batch: 2, rows: NetworkGradientTests.rows(for: kind),
                                    workspace: LossWorkspace(maxRows: 10, hidden: 8),
                                    inputs: LossInputs(sharedNegatives: NetworkGradientTests.sampled, logQ: NetworkGradientTests.logQ,
                                                       population: NetworkGradientTests.items),
                                    training: true, tokenDropout: dropout, rng: &rng)
    }

    /// The backward leaves out the pieces the forward left out: every parameter against central
    /// finite differences with the same (seeded) pieces dropped.
    @Test(arguments: [LossKind.fullCrossEntropy, .sampledSoftmax(negatives: 5)])
    func everyParameterMatchesFiniteDifferences(_ kind: LossKind) {
        let net = NetworkGradientTests.network(.text)
        let dropout = TokenDropout(probability: 0.4, seed: 5)
        let clean = Self.loss(net, kind, dropout: TokenDropout(probability: 0, seed: 5))
        _ = Self.loss(net, kind, dropout: dropout)
        let analytic = net.grads.array
        let base = Self.loss(net, kind, dropout: dropout)
        #expect(abs(base - clean) > 1e-4)  // pieces really were dropped
        for (name, maxDiff, maxNumeric) in NetworkGradientTests.finiteDifferenceErrors(net, analytic: analytic, loss: { Self.loss(net, kind, dropout: dropout) }) {
            #expect(maxDiff <= 3e-3 * max(1, maxNumeric) + 2e-4, "\(kind) \(name): max |analytic − numeric| = \(maxDiff)")
        }
    }

    /// Whether a piece drops is a function of the item, not of the worker or the row it is encoded
    /// in: two workers give one worker's gradient, and so does encoding only the touched items.
    @Test func shardsAndSubsetsDropTheSamePieces() {
        let (sequences, plain) = ShardedGradientsTests.inputs()
        let kind = LossKind.sampledSoftmax(negatives: 4)
        let dropout = TokenDropout(probability: 0.5, seed: 21)
        let inputs = LossInputs(sharedNegatives: [6, 0, 2, 3], logQ: (0..<ShardedGradientsTests.items).map { Float(-2.0 - 0.1 * Double($0)) },
                                population: ShardedGradientsTests.items)
        let whole = ShardedGradientsTests.network(.text)
        var rng = RandomSource(seed: 1)
        _ = whole.lossAndGradients(kind, sequences: sequences, batch: ShardedGradientsTests.batch, rows: plain,
                                   workspace: LossWorkspace(maxRows: 20, hidden: 8), inputs: inputs, training: true,
                                   tokenDropout: dropout, rng: &rng)
        let split = ShardedGradientsTests.network(.text, maxBatch: 3)
        var rng2 = RandomSource(seed: 1)
        _ = ShardedGradients(network: split, shards: 2).lossAndGradients(kind, sequences: sequences, batch: ShardedGradientsTests.batch,
                                                                         rows: plain, inputs: inputs, training: true,
                                                                         tokenDropout: dropout, rng: &rng2)
        let undropped = ShardedGradientsTests.network(.text)
        var rng3 = RandomSource(seed: 1)
        _ = undropped.lossAndGradients(kind, sequences: sequences, batch: ShardedGradientsTests.batch, rows: plain,
                                       workspace: LossWorkspace(maxRows: 20, hidden: 8), inputs: inputs, training: true, rng: &rng3)
        // Every item encoded as a subset in reverse order: row r holds item 8 − r, the pieces dropped stay the item's.
        let order = (0..<Int32(ShardedGradientsTests.items)).reversed().map { $0 }
        func renumber(_ list: [Int32]) -> [Int32] { list.map { $0 < 0 ? $0 : Int32(ShardedGradientsTests.items - 1) - $0 } }
        var reordered = plain
        reordered.targets = renumber(plain.targets)
        reordered.negatives = renumber(plain.negatives)
        let permuted = ShardedGradientsTests.network(.text)
        var rng4 = RandomSource(seed: 1)
        _ = permuted.lossAndGradients(kind, sequences: renumber(sequences), batch: ShardedGradientsTests.batch, rows: reordered,
                                      workspace: LossWorkspace(maxRows: 20, hidden: 8),
                                      inputs: LossInputs(sharedNegatives: renumber(inputs.sharedNegatives), logQ: order.map { inputs.logQ[Int($0)] },
                                                         population: ShardedGradientsTests.items),
                                      training: true, itemSubset: order, tokenDropout: dropout, rng: &rng4)
        var maxDiff: Float = 0, maxGrad: Float = 0, maxChange: Float = 0
        for i in 0..<whole.grads.count {
            maxDiff = max(maxDiff, abs(whole.grads[i] - split.grads[i]), abs(whole.grads[i] - permuted.grads[i]))
            maxGrad = max(maxGrad, abs(whole.grads[i]))
            maxChange = max(maxChange, abs(whole.grads[i] - undropped.grads[i]))
        }
        #expect(maxDiff <= 1e-5 * maxGrad, "max |Δgrad| \(maxDiff) of \(maxGrad)")
        #expect(maxChange > 1e-3)  // and the dropout changed the gradient
    }
}
