import Testing
@testable import SRTModel
import SRTTensor
import Foundation

/// `StepAccounting` against the matrix products one training step actually runs (counted by
/// `SGEMMProfile` inside every sgemm call), per loss and encoder.
@Suite(.serialized) struct StepAccountingTests {
    @Test(arguments: [("ce", "text"), ("ssm", "text"), ("bce", "text"), ("ce", "id"), ("bce:3", "id"), ("gbce:4", "text"), ("ce-:3", "text")])
    func theFormulaCountsEveryMatrixProductOfAStep(loss: String, encoder: String) {
        let architecture = Architecture(name: "t", layers: 2, heads: 2, hidden: 16, inner: 24, maxLength: 7)
        let text = encoder == "text"
        let items = 30
        let shape = ModelShape(architecture: architecture,
                               itemEncoder: text ? ItemEncoderConfig(kind: .text, fields: ["title", "brand"], maxPieces: [3, 2], vocabularySize: 40, tokenEmbedding: 8)
                                                 : ItemEncoderConfig(kind: .id), items: items)
        let network = Network(shape: shape, maxBatch: 4, seed: 1)
        var rng = RandomSource(seed: 9)
        if text {
            let ids = (0..<(items * 2 * 3)).map { i in i % 3 == 2 && (i / 3) % 2 == 1 ? Int32(-1) : Int32(rng.nextInt(40)) }
            network.setCatalog(ItemTokens(items: items, fields: 2, pieces: 3, ids: ids))
        }
        let (batch, length) = (3, 6)
        let sequences = (0..<(batch * length)).map { i in i % length < 4 + i / length ? Int32(rng.nextInt(items)) : -1 }
        var rows = ScoredRows()
        for b in 0..<batch { for t in 0..<3 { rows.rows.append(Int32(b * length + t)); rows.targets.append(Int32(rng.nextInt(items))) } }
        let kind = loss == "ssm" ? .sampledSoftmax(negatives: 5) : LossKind(loss)!
        let k = kind.function.negatives.perRow
        // Per row K negatives; each sequence's rows share theirs, as a per-user loss draws them.
        for (i, target) in rows.targets.enumerated() {
            rows.negatives += (0..<k).map { j in (kind == .negativeCrossEntropy(negatives: k) ? Int32(i / 3 * 2 + j) : target + 1 + Int32(j)) % Int32(items) }
        }
        let negatives: [Int32] = loss == "ssm" ? [1, 4, 4, 9, 20] : []
        // Sampled losses encode only the items the step touches, as the trainer passes them.
        let touched = loss == "ce" ? nil : Array(Set(sequences.filter { $0 >= 0 } + rows.targets + rows.negatives + negatives)).sorted()
        var subsetSequences = sequences, subsetRows = rows, subsetNegatives = negatives
        if let touched {
            let index = Dictionary(uniqueKeysWithValues: touched.enumerated().map { ($1, Int32($0)) })
            subsetSequences = sequences.map { $0 < 0 ? $0 : index[$0]! }
            subsetRows.targets = rows.targets.map { index[$0]! }
            subsetRows.negatives = rows.negatives.map { index[$0]! }
            subsetNegatives = negatives.map { index[$0]! }
        }
        let workspace = LossWorkspace(maxRows: 4 * 7, hidden: 16)
        SGEMMProfile.reset()
        SGEMMProfile.onlyThread = pthread_self()  // other tests run beside this one
        SGEMMProfile.enabled = true
        _ = network.lossAndGradients(kind, sequences: subsetSequences, batch: batch, length: length, rows: subsetRows, workspace: workspace,
                                     inputs: LossInputs(sharedNegatives: subsetNegatives, logQ: [Float](repeating: -3, count: touched?.count ?? items)),
                                     training: false, itemSubset: touched, rng: &rng)
        SGEMMProfile.enabled = false
        SGEMMProfile.onlyThread = nil
        // The formula less the loss's row-by-row dot products: what runs as matrix products.
        let expected = StepAccounting.trainingFLOPs(shape, batch: batch, length: length, rows: rows.count,
                                                    encodedItems: touched?.count ?? items, loss: kind)
            - kind.function.scoringFLOPs(rows: Double(rows.count), hidden: 16, items: Double(touched?.count ?? items)).rowLoops
        #expect(SGEMMProfile.flops == expected, "counted \(SGEMMProfile.flops), formula \(expected)")
    }
}
